package fsm

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/slotd/slotd/persist"
)

// A store whose writes fail with EROFS for a while (its file system gone
// read-only) holds an agent where it is: nothing committed is lost, the
// agent does not end Errored, and once writable the sale carries on to
// Finished along the same path, giving its bytes back.
func TestReadOnlyStoreHoldsTheAgentUntilWritable(t *testing.T) {
	s := openStore(t, false)
	av := addAvail(t, s, 1000)
	sale := saleOf(reqN(1), 0, 400)
	var readOnly, refused atomic.Bool
	base := StoreUpdate(s)
	update := func(ctx context.Context, fn func(*persist.Tx, QueueTx) error) error {
		if readOnly.Load() {
			refused.Store(true)
			return fmt.Errorf("store: write %s: %w", s.Path(), syscall.EROFS)
		}
		return base(ctx, fn)
	}
	fx := newScript(func(ctx context.Context, state string, a *Agent, n int) (Step, error) {
		if state == Downloading && n == 1 {
			readOnly.Store(true) // the disk goes read-only while the slot downloads
		}
		return Step{Detail: state + " done"}, nil
	})
	r := startAgents(t, s, fx, func(o *Options) { o.Update = update })
	a, err := r.Sell(bg, sale)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !refused.Load() {
		if time.Now().After(deadline) {
			t.Fatal("no commit was refused")
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // several retries' worth of backoff
	if rec, err := storedAgent(s, sale.SlotID); err != nil || rec.State != Downloading || rec.Reserved != 400 {
		t.Fatalf("while read-only: stored %+v %v, want Downloading holding its 400 bytes", rec, err)
	}
	if st := a.State(); st != Downloading {
		t.Fatalf("while read-only: agent in %q in memory, the store says Downloading", st)
	}
	readOnly.Store(false)
	waitClosed(t, a.Done(), "done")
	j := checkJournal(t, s, sale.SlotID)
	want := []string{">preparing:start", "preparing>downloading:prepared", "downloading>initial-proving:downloaded",
		"initial-proving>filling:proof-ready", "filling>filled:fill-mined", "filled>proving:fill-confirmed",
		"proving>payout:request-ended", "payout>finished:paid"}
	if !slices.Equal(path(j), want) {
		t.Fatalf("journal %v", path(j))
	}
	if free := freeBytes(t, s, av); free != 1000 {
		t.Fatalf("free %d after the end", free)
	}
}
