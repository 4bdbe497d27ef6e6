package contracts_test

import (
	"testing"

	"github.com/slotd/slotd/contracts"
)

// TestProofTimingFollowsBlocksAndDowntime checks the Codex timing rules: no
// proof in the fill's own period, a challenge that holds within a period and
// moves between periods, and downtime that turns "required" into "will be".
func TestProofTimingFollowsBlocksAndDowntime(t *testing.T) {
	e := newEnv(t, testConfig())
	ds := newDataset(t, 8, 2, slotSize)
	id, _ := e.request(ds, e.ask(2, 1, slotSize))
	h := e.hosts[0]
	e.startPeriod()
	e.mustFill(h, id, 0, ds)
	e.mustFill(e.hosts[1], id, 1, ds) // started, so it outlives the expiry
	slot := contracts.GetSlotID(id, 0)
	if req, _ := h.m.IsProofRequired(e.ctx, slot); req {
		t.Fatal("proof required in the period the slot was filled")
	}
	_, end := e.period()
	e.advanceTo(end + 1)
	if req, _ := h.m.IsProofRequired(e.ctx, slot); !req {
		t.Fatal("no proof required after the fill period (probability 1, no downtime)")
	}
	c1, _ := h.m.GetChallenge(e.ctx, slot)
	e.advance(1)
	c2, _ := h.m.GetChallenge(e.ctx, slot)
	_, end = e.period()
	e.advanceTo(end + 1)
	c3, _ := h.m.GetChallenge(e.ctx, slot)
	if c1 != c2 {
		t.Error("challenge moved within a period")
	}
	if c1 == c3 {
		t.Error("challenge did not move to the next period")
	}

	// A chain past 256 blocks takes challenges from real block hashes.
	for range 260 {
		e.sim.Commit()
	}
	c4, _ := h.m.GetChallenge(e.ctx, slot)
	e.sim.Commit()
	if c5, _ := h.m.GetChallenge(e.ctx, slot); c4 != c5 && e.now()%e.cfg.Proofs.Period != 0 {
		t.Error("challenge from block hashes moved within a period")
	}
	if _, err := e.prove(h, slot, ds.slots[0]); err != nil {
		t.Fatalf("proof against a block-hash challenge: %v", err)
	}

	// With downtime covering 255 of 256 pointers, proofs are (almost) never
	// required now, but will be: a host answers during downtime.
	dt := testConfig()
	dt.Proofs.Downtime = 255
	e2 := newEnv(t, dt)
	id2, _ := e2.request(ds, e2.ask(2, 1, slotSize))
	e2.mustFill(e2.hosts[0], id2, 0, ds)
	slot2 := contracts.GetSlotID(id2, 0)
	_, end = e2.period()
	e2.advanceTo(end + 1)
	required, will := 0, 0
	for range 20 {
		if r, _ := e2.hosts[0].m.IsProofRequired(e2.ctx, slot2); r {
			required++
		}
		if w, _ := e2.hosts[0].m.WillProofBeRequired(e2.ctx, slot2); w {
			will++
		}
		e2.sim.Commit()
	}
	if required > 1 || will < 19 {
		t.Fatalf("downtime 255: required %d/20, will be required %d/20", required, will)
	}
}
