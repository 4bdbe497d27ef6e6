package contracts_test

import (
	"testing"

	"github.com/slotd/slotd/contracts"
	ct "github.com/slotd/slotd/contracts/contractstest"
)

// TestProofTimingFollowsBlocksAndDowntime checks the Codex timing rules: no
// proof in the fill's own period, a challenge that holds within a period and
// moves between periods, and downtime that turns "required" into "will be".
func TestProofTimingFollowsBlocksAndDowntime(t *testing.T) {
	e := ct.NewEnv(t, ct.TestConfig())
	ds := ct.NewDataset(t, 8, 2, slotSize)
	id, _ := e.Request(ds, e.Ask(2, 1, slotSize))
	h := e.Hosts[0]
	e.StartPeriod()
	e.MustFill(h, id, 0, ds)
	e.MustFill(e.Hosts[1], id, 1, ds) // started, so it outlives the expiry
	slot := contracts.GetSlotID(id, 0)
	if req, _ := h.M.IsProofRequired(e.Ctx, slot); req {
		t.Fatal("proof required in the period the slot was filled")
	}
	_, end := e.Period()
	e.AdvanceTo(end + 1)
	if req, _ := h.M.IsProofRequired(e.Ctx, slot); !req {
		t.Fatal("no proof required after the fill period (probability 1, no downtime)")
	}
	c1, _ := h.M.GetChallenge(e.Ctx, slot)
	e.Advance(1)
	c2, _ := h.M.GetChallenge(e.Ctx, slot)
	if c1 != c2 { // the pointer wraps once every 256 blocks: look at the next two
		c1 = c2
		e.Advance(1)
		c2, _ = h.M.GetChallenge(e.Ctx, slot)
	}
	_, end = e.Period()
	e.AdvanceTo(end + 1)
	c3, _ := h.M.GetChallenge(e.Ctx, slot)
	if c1 != c2 {
		t.Error("challenge moved within a period")
	}
	if c1 == c3 {
		t.Error("challenge did not move to the next period")
	}

	// A chain past 256 blocks takes challenges from real block hashes. They
	// hold within a period, except when the pointer wraps, once every 256
	// blocks (so at most once over these 10 blocks of one period).
	for range 260 {
		e.Commit()
	}
	e.StartPeriod()
	period, _ := e.Period()
	var moves int
	prev, _ := h.M.GetChallenge(e.Ctx, slot)
	for range 10 {
		e.Commit()
		c, _ := h.M.GetChallenge(e.Ctx, slot)
		if c != prev {
			moves++
		}
		prev = c
	}
	if p, _ := e.Period(); p != period {
		t.Fatalf("10 blocks crossed a period (%d → %d): the test needs a longer period", period, p)
	}
	if moves > 1 {
		t.Errorf("challenge from block hashes moved %d times within a period", moves)
	}
	if _, err := e.Prove(h, slot, ds.Slots[0]); err != nil {
		t.Fatalf("proof against a block-hash challenge: %v", err)
	}

	// With downtime covering 255 of 256 pointers, proofs are (almost) never
	// required now, but will be: a host answers during downtime.
	dt := ct.TestConfig()
	dt.Proofs.Downtime = 255
	e2 := ct.NewEnv(t, dt)
	id2, _ := e2.Request(ds, e2.Ask(2, 1, slotSize))
	e2.MustFill(e2.Hosts[0], id2, 0, ds)
	slot2 := contracts.GetSlotID(id2, 0)
	_, end = e2.Period()
	e2.AdvanceTo(end + 1)
	required, will := 0, 0
	for range 20 {
		if r, _ := e2.Hosts[0].M.IsProofRequired(e2.Ctx, slot2); r {
			required++
		}
		if w := e2.WillProofBeRequired(slot2); w {
			will++
		}
		e2.Commit()
	}
	if required > 1 || will < 19 {
		t.Fatalf("downtime 255: required %d/20, will be required %d/20", required, will)
	}
}
