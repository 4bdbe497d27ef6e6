package fsm_test

import (
	"context"
	"errors"
	"math/big"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/slotd/slotd/contracts/marketplace"
	"github.com/slotd/slotd/fsm"
	"github.com/slotd/slotd/persist"
	"github.com/slotd/slotd/queue"
)

// provingUntil's side effects do their work at once, except Prove, which
// runs until end is closed, as a proving loop runs until the request ends.
type provingUntil struct{ end chan struct{} }

func (provingUntil) Prepare(context.Context, *fsm.Agent) (fsm.Step, error)  { return fsm.Step{}, nil }
func (provingUntil) Download(context.Context, *fsm.Agent) (fsm.Step, error) { return fsm.Step{}, nil }
func (provingUntil) InitialProve(context.Context, *fsm.Agent) (fsm.Step, error) {
	return fsm.Step{}, nil
}
func (provingUntil) Fill(context.Context, *fsm.Agent) (fsm.Step, error) { return fsm.Step{}, nil }
func (provingUntil) ConfirmFill(context.Context, *fsm.Agent) (fsm.Step, error) {
	return fsm.Step{}, nil
}
func (provingUntil) Payout(context.Context, *fsm.Agent) (fsm.Step, error) { return fsm.Step{}, nil }
func (p provingUntil) Prove(ctx context.Context, _ *fsm.Agent) (fsm.Step, error) {
	select {
	case <-p.end:
		return fsm.Step{Outcome: fsm.RequestEnded}, nil
	case <-ctx.Done():
		return fsm.Step{}, ctx.Err()
	}
}

// TestWithQueue wires the agents to the real slot queue the way the node
// does: transitions commit through the queue's Update (so its memory
// follows the store), workers sell with Sell and go once the agent
// releases them. With 2 workers, 6 slots all reach Proving at once: a
// worker is not held by a slot it is proving (pitfall).
func TestWithQueue(t *testing.T) {
	ctx := context.Background()
	s, err := persist.Open(filepath.Join(t.TempDir(), "slotd.db"), &persist.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Update(ctx, func(tx *persist.Tx) error {
		return tx.AddAvailability(&persist.Availability{TotalSize: 600, Duration: 1 << 30})
	}); err != nil {
		t.Fatal(err)
	}
	q, err := queue.Open(ctx, s, queue.Options{Logger: hclog.NewNullLogger()})
	if err != nil {
		t.Fatal(err)
	}
	fx := provingUntil{end: make(chan struct{})}
	agents, err := fsm.New(fsm.Options{
		Store:   s,
		Effects: fx,
		Update: func(ctx context.Context, fn func(*persist.Tx, fsm.QueueTx) error) error {
			return q.Update(ctx, func(tx *persist.Tx, qt *queue.Tx) error { return fn(tx, qt) })
		},
		OnEnd: func(persist.Agent) { q.Notify() },
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := agents.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer agents.Stop()

	var req marketplace.RequestID
	req[0] = 7
	ask := marketplace.Ask{Slots: 6, SlotSize: 100, Duration: 1000, PricePerBytePerSecond: big.NewInt(1), CollateralPerByte: big.NewInt(1), ProofProbability: big.NewInt(1)}
	var n int
	err = q.Update(ctx, func(_ *persist.Tx, qt *queue.Tx) (err error) {
		n, err = qt.PushRequest(ask.Slots, nil, func(i uint64) queue.Item {
			return queue.Item{SlotID: persist.ID(marketplace.GetSlotID(req, i)), RequestID: persist.ID(req), SlotIndex: i,
				SlotSize: ask.SlotSize, Duration: ask.Duration, PricePerBytePerSecond: ask.PricePerBytePerSecond,
				CollateralPerByte: ask.CollateralPerByte, Expiry: 2_000_000_000}
		})
		return err
	})
	if err != nil || n != 6 {
		t.Fatalf("pushed %d: %v", n, err)
	}
	work := func(ctx context.Context, it queue.Item) error {
		a, err := agents.Sell(ctx, fsm.Sale{SlotID: it.SlotID, RequestID: it.RequestID, SlotIndex: it.SlotIndex, SlotSize: it.SlotSize})
		switch {
		case errors.Is(err, persist.ErrInsufficientSpace):
			return queue.ErrRetry
		case err != nil:
			return err
		}
		return a.WaitReleased(ctx)
	}
	workers, err := q.Start(ctx, 2, work, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer workers.Stop()

	deadline := time.Now().Add(10 * time.Second)
	for {
		proving := 0
		for _, inf := range agents.List() {
			if inf.State == fsm.Proving {
				proving++
			}
		}
		st := q.Stats()
		if proving == 6 && st.Queued == 0 && st.InFlight == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d proving, queue %+v", proving, st)
		}
		time.Sleep(time.Millisecond)
	}
	close(fx.end)
	for agents.Len() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d agents left", agents.Len())
		}
		time.Sleep(time.Millisecond)
	}
	if err := s.View(func(tx *persist.Tx) error {
		if a, err := tx.Availability(1); err != nil || a.FreeSize != 600 {
			t.Errorf("availability %+v %v", a, err)
		}
		return tx.ForEachQueueItem(func(it persist.QueueItem) error { return errors.New("queue item left in the store") })
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
}
