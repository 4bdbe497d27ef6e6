package contracts_test

import (
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/slotd/slotd/contracts"
	ct "github.com/slotd/slotd/contracts/contractstest"
)

// TestProofClockMatchesContract computes the timing rules in Go from the
// blocks alone, block after block, and compares them with the contract's
// views and with slotStatuses: over a young chain (the fallback challenge),
// past 256 blocks (real block hashes) and across pointer wraps and periods.
func TestProofClockMatchesContract(t *testing.T) {
	cfg := ct.TestConfig()
	cfg.Proofs.Downtime = 64
	e := ct.NewEnv(t, cfg)
	ds := ct.NewDataset(t, 31, 2, slotSize)
	// Probability 1: every pointer outside downtime requires a proof, every
	// one inside will; 3: the challenge decides too.
	var slots []contracts.SlotID
	var probability []*big.Int
	for _, p := range []int64{1, 3} {
		ask := e.Ask(2, 1, slotSize)
		ask.ProofProbability = big.NewInt(p)
		ask.Duration = 20000
		id, _ := e.Request(ds, ask)
		e.MustFill(e.Hosts[0], id, 0, ds)
		e.MustFill(e.Hosts[1], id, 1, ds)
		slots = append(slots, contracts.GetSlotID(id, 0), contracts.GetSlotID(id, 1))
		probability = append(probability, ask.ProofProbability, ask.ProofProbability)
	}
	m := e.Client.M
	filledAt := make([]uint64, len(slots))
	for i, s := range slots {
		info, err := m.GetSlot(e.Ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		filledAt[i] = info.FilledAt
	}
	hashes := map[uint64]common.Hash{}
	hash := func(n uint64) common.Hash {
		if h, ok := hashes[n]; ok {
			return h
		}
		h, err := e.Chain.HeaderByNumber(e.Ctx, new(big.Int).SetUint64(n))
		if err != nil {
			t.Fatalf("header %d: %v", n, err)
		}
		hashes[n] = h.Hash()
		return hashes[n]
	}
	var young, old, required, will, wraps int
	var lastPointer uint8
	for b := 0; b < 330; b++ {
		if b%9 == 0 {
			e.Advance(7) // crosses a period every few dozen blocks
		} else {
			e.Commit()
		}
		head := e.Head()
		c := contracts.ProofClock{Proofs: cfg.Proofs, Block: head.Number.Uint64(), Time: head.Time, Hash: hash}
		if p, _ := m.CurrentPeriod(e.Ctx); p != c.Period() {
			t.Fatalf("block %d: period %d, Go %d", c.Block, p, c.Period())
		}
		statuses, err := m.SlotStatuses(e.Ctx, slots, 0)
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range slots {
			ptr := c.Pointer(s, c.Period())
			if i == 0 {
				if ptr < lastPointer {
					wraps++
				}
				lastPointer = ptr
			}
			if c.Block < uint64(ptr)+1 {
				young++
			} else {
				old++
			}
			challenge, _ := m.GetChallenge(e.Ctx, s)
			req, _ := m.IsProofRequired(e.Ctx, s)
			w := e.WillProofBeRequired(s)
			goReq, goWill := c.ProofRequired(s, filledAt[i], probability[i]), c.WillProofBeRequired(s, filledAt[i], probability[i])
			st := statuses[i]
			switch {
			case challenge != c.SlotChallenge(s) || common.Hash(st.Challenge) != challenge:
				t.Fatalf("block %d slot %d: challenge %x, slotStatuses %x, Go %x", c.Block, i, challenge, st.Challenge, c.SlotChallenge(s))
			case st.Pointer != ptr:
				t.Fatalf("block %d slot %d: pointer %d, Go %d", c.Block, i, st.Pointer, ptr)
			case req != goReq || st.ProofRequired != req:
				t.Fatalf("block %d slot %d: required %v, slotStatuses %v, Go %v", c.Block, i, req, st.ProofRequired, goReq)
			case w != goWill || st.WillProofBeRequired != w:
				t.Fatalf("block %d slot %d: will be required %v, slotStatuses %v, Go %v", c.Block, i, w, st.WillProofBeRequired, goWill)
			}
			if req {
				required++
			}
			if w {
				will++
			}
		}
	}
	t.Logf("compared %d slot-blocks on the young chain, %d on block hashes; %d required, %d will be, %d pointer wraps", young, old, required, will, wraps)
	if young == 0 || old == 0 || required == 0 || will == 0 || wraps == 0 {
		t.Fatal("the walk missed a case it is meant to cover")
	}
}
