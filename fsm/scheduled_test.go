package fsm

import (
	"runtime"
	"testing"
	"time"
)

// TestScheduledStateHoldsNoDriver: with Proving scheduled, agents that
// reach it run no Prove side effect and hold no goroutine; a chain event
// wakes one to react (request cancelled: Payout), and Settle ends another's
// Proving with the outcome the scheduler found (Done: Payout).
func TestScheduledStateHoldsNoDriver(t *testing.T) {
	s := openStore(t, false)
	addAvail(t, s, 1<<30)
	fx := newScript(blockIn(Payout))
	r := startAgents(t, s, fx, func(o *Options) { o.Scheduled = []string{Proving} })
	const n = 50
	base := runtime.NumGoroutine()
	req := reqN(1)
	for i := range uint64(n) {
		if _, err := r.Sell(bg, saleOf(req, i, 1)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range uint64(n) {
		waitState(t, s, slotOf(req, i), Proving)
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base+5 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > base+5 {
		t.Fatalf("%d agents parked in Proving hold %d goroutines", n, g-base)
	}
	for i := range uint64(n) {
		for _, st := range fx.callsOf(slotOf(req, i)) {
			if st == Proving {
				t.Fatalf("slot %d: the Prove side effect ran in a scheduled state", i)
			}
		}
	}
	if !r.Tell(slotOf(req, 0), ChainRequestCancelled, 9, "expired") {
		t.Fatal("a parked agent refused a chain event")
	}
	waitState(t, s, slotOf(req, 0), Payout)
	if err := r.Settle(bg, slotOf(req, 1), Proving, Step{Outcome: Done, Block: 12, Detail: "request ended"}); err != nil {
		t.Fatal(err)
	}
	a := waitState(t, s, slotOf(req, 1), Payout)
	if a.Block != 12 {
		t.Fatalf("settled at block %d, want 12", a.Block)
	}
	if err := r.Settle(bg, slotOf(req, 1), Proving, Step{Outcome: Done}); err != nil {
		t.Fatalf("settling an agent that left the state: %v", err)
	}
}
