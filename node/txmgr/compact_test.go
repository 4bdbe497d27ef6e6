package txmgr_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/slotd/slotd/node/txmgr"
	"github.com/slotd/slotd/persist"
)

// TestSettledRecordsAreCompacted: records of mined transactions carrying a
// proof-sized payload drop their signed bytes once their block is
// KeepRawDepth deep, so a settled record costs a few hundred bytes (the
// figures are logged: go test ./node/txmgr -run Compacted -v). The
// purposes stay deduplicated (a second Send returns the first receipt and
// broadcasts nothing, also after a restart), and a restart still
// reconciles a record left pending.
func TestSettledRecordsAreCompacted(t *testing.T) {
	e := newEnv(t)
	s, path := e.store()
	c := &client{Client: e.Chain}
	const n, depth = 20, 30 // no record is compacted before all are sent
	tune := func(cfg *txmgr.Config) { cfg.KeepRawDepth = depth }
	m := e.manager(c, s, tune)
	// Trailing bytes after mint's arguments are ignored by the token: a
	// payload the size of a storage proof's calldata.
	payload := func(i int) []byte { return append(e.mint(1), make([]byte, 2500+i)...) }
	hashes := map[string]string{}
	for i := range n {
		p := fmt.Sprintf("proof:%d", i)
		rc, err := m.Send(e.Ctx, p, &e.Dep.Token, payload(i))
		if err != nil {
			t.Fatal(err)
		}
		hashes[p] = rc.TxHash.Hex()
	}
	before := meanRecordBytes(t, s)
	if before.raw == 0 {
		t.Fatal("settled records hold no signed bytes right after mining: nothing to compare")
	}
	e.Mine(depth + 1)
	waitFor(t, func() bool { return meanRecordBytes(t, s).raw == 0 })
	after := meanRecordBytes(t, s)
	t.Logf("settled tx record: %d bytes before compaction (%d of them signed tx), %d after (%d records)", before.bytes, before.raw, after.bytes, after.n)
	if after.bytes > 400 || after.bytes*5 > before.bytes {
		t.Errorf("compacted record is %d bytes (was %d): want at most 400 and a fifth", after.bytes, before.bytes)
	}
	for p := range hashes {
		if r := record(t, s, p); r.Status != persist.TxMined || r.Block == 0 || r.Hash == (persist.ID{}) {
			t.Errorf("compacted record lost what reconciling needs: %+v", r)
		}
	}

	// One left pending across a restart.
	e.miner.paused.Store(true)
	ctx, cancel := context.WithTimeout(e.Ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := m.Send(ctx, "proof:pending", &e.Dep.Token, payload(n)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want a timeout", err)
	}
	m.Stop()
	s.Close()
	e.miner.paused.Store(false)

	s = e.open(path)
	sent := len(c.sends())
	m = e.manager(c, s, tune)
	rc, err := m.Send(e.Ctx, "proof:pending", &e.Dep.Token, payload(n))
	if err != nil || rc.Status != 1 {
		t.Fatalf("pending record after the restart: %v, %v", rc, err)
	}
	for p, h := range hashes {
		rc, err := m.Send(e.Ctx, p, &e.Dep.Token, payload(0))
		if err != nil || rc.TxHash.Hex() != h {
			t.Fatalf("%s sent again after compaction and a restart: got %v (%v), want the receipt of %s", p, rc, err, h)
		}
	}
	// The restart rebroadcasts the pending one (same bytes); nothing else.
	for _, h := range c.sends()[sent:] {
		if h.Hex() != hexOf(record(t, s, "proof:pending").Hash) {
			t.Fatalf("broadcast %s after the restart, which is not the pending record's", h)
		}
	}
}

func hexOf(id persist.ID) string { return fmt.Sprintf("0x%x", id[:]) }

type recordBytes struct{ n, bytes, raw int }

// meanRecordBytes is the mean JSON size of the store's settled records
// (what the store keeps per record) and of their signed bytes.
func meanRecordBytes(t *testing.T, s *persist.Store) recordBytes {
	t.Helper()
	var out recordBytes
	if err := s.View(func(tx *persist.Tx) error {
		return tx.ForEachTxRecord(func(r persist.TxRecord) error {
			if r.Status == persist.TxPending {
				return nil
			}
			b, err := json.Marshal(r)
			if err != nil {
				return err
			}
			out.n++
			out.bytes += len(b)
			out.raw += len(r.Raw)
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	if out.n > 0 {
		out.bytes /= out.n
		out.raw /= out.n
	}
	return out
}
