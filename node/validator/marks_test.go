package validator_test

import (
	"context"
	"math/big"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slotd/slotd/contracts"
	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/node/validator"
)

// minedTogether is a chain whose mark transactions are mined only in a
// block that comes once want marks are waiting for it, or when the
// contract's window for them closes (window, after the first mark): as on
// a chain where each mark waits a block and the window is a few blocks.
// Marks still waiting then fail with ValidationTimedOut.
type minedTogether struct {
	validator.Chain
	want   int
	window time.Duration

	mu      sync.Mutex
	waiting int
	block   chan struct{} // closed when the marks' block comes
	closed  chan struct{} // closed when the window closes
	once    sync.Once
	sent    atomic.Int32
}

func (c *minedTogether) MarkProofAsMissing(ctx context.Context, slot contracts.SlotID, period uint64) (*big.Int, error) {
	c.once.Do(func() { time.AfterFunc(c.window, func() { close(c.closed) }) })
	c.mu.Lock()
	if c.waiting++; c.waiting == c.want {
		close(c.block)
	}
	c.mu.Unlock()
	select {
	case <-c.block:
		c.sent.Add(1)
		return c.Chain.MarkProofAsMissing(ctx, slot, period)
	case <-c.closed:
		return nil, contracts.ErrValidationTimedOut
	}
}

// TestMarksOfAPeriodAreSentTogether: every missed proof of a period is
// marked, though each mark waits for its block and the contract's window
// holds one block of marks. The old validator marked one slot at a time,
// each waiting for its transaction to be mined, so only the first few of
// a period's missed proofs fit in the window (on the devnet at 500 slots,
// 11 of some 200 over six periods) and the rest timed out unmarked.
func TestMarksOfAPeriodAreSentTogether(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	const size, slots = 64 * 256, 6
	ds := ct.NewDataset(t, 5, slots, size)
	id, _ := e.Request(ds, e.Ask(slots, 1, size))
	e.StartPeriod()
	for i := range uint64(slots) {
		e.MustFill(e.Hosts[i%uint64(len(e.Hosts))], id, i, ds)
	}
	chain := &minedTogether{Chain: validator.MarketChain{Market: e.Validator.M}, want: slots, window: 2 * time.Second,
		block: make(chan struct{}), closed: make(chan struct{})}
	v := newValidator(t, e, chain, tempStore(t), validator.Config{})
	ctx := context.Background()
	_, end := e.Period()
	e.AdvanceTo(end + 1) // the fill period needs no proof: the next one is missed by all
	_, end = e.Period()
	e.AdvanceTo(end + 1)
	if err := v.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if v.Marks() != slots || chain.sent.Load() != slots {
		t.Fatalf("marked %d of %d missed proofs (%d sent in the window)", v.Marks(), slots, chain.sent.Load())
	}
	for i := range uint64(slots) {
		if n, _ := e.Validator.M.MissingProofs(ctx, contracts.GetSlotID(id, i)); n != 1 {
			t.Fatalf("slot %d: the contract counts %d missing proofs, want 1", i, n)
		}
	}
}
