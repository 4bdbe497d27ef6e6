package sales

import (
	"context"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/slotd/slotd/contracts"
)

// chainAt serves headers of a chain whose head is head, a block every
// spacing seconds.
type chainAt struct{ head, spacing uint64 }

func (c *chainAt) HeaderByNumber(_ context.Context, n *big.Int) (*types.Header, error) {
	b := c.head
	if n != nil {
		b = n.Uint64()
	}
	return &types.Header{Number: new(big.Int).SetUint64(b), Time: 1_000_000_020 + b*c.spacing}, nil
}

// TestFillWindowKeepsTurnsAndChallenge walks the fill window over a few
// thousand heads, on 1 s and 12 s blocks: a fill allowed at head N lands,
// in any of N+1..N+3, in the reserver's turn and answers the challenge read
// at N (as contracts.ProofClock, checked against the contract, computes
// it); no two ranks are ever allowed at once; every rank gets its turns.
func TestFillWindowKeepsTurnsAndChallenge(t *testing.T) {
	cfg := contracts.DefaultConfig()
	slot := contracts.GetSlotID(contracts.RequestID{7}, 1)
	hash := func(n uint64) common.Hash { return crypto.Keccak256Hash(new(big.Int).SetUint64(n).Bytes()) }
	for _, spacing := range []uint64{1, 12} {
		c := &chainAt{spacing: spacing}
		e := &effects{headers: c, proofs: cfg.Proofs, maxReservations: cfg.Reservations.MaxReservations}
		allowed := map[uint8]int{}
		at := func(b uint64) contracts.ProofClock {
			h, _ := c.HeaderByNumber(context.Background(), new(big.Int).SetUint64(b))
			return contracts.ProofClock{Proofs: cfg.Proofs, Block: b, Time: h.Time, Hash: hash}
		}
		for n := uint64(300); n < 3300; n++ {
			c.head = n
			var ok []uint8
			for rank := uint8(1); rank <= cfg.Reservations.MaxReservations; rank++ {
				head, err := e.chainHead(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				sp, err := e.spacing(context.Background())
				if err != nil || sp != spacing {
					t.Fatalf("spacing read as %d (%v), want %d", sp, err, spacing)
				}
				_, yes := e.fillWindow(slot, head, sp, rank)
				if yes {
					ok = append(ok, rank)
				}
			}
			if len(ok) > 1 {
				t.Fatalf("spacing %d, head %d: ranks %v may all fill", spacing, n, ok)
			}
			if len(ok) == 0 {
				continue
			}
			rank := ok[0]
			allowed[rank]++
			read := at(n).SlotChallenge(slot)
			for b := n + 1; b <= n+1+fillLookahead; b++ {
				if turn := contracts.FillTurn(b, cfg.Reservations.MaxReservations); turn != rank {
					t.Fatalf("spacing %d: rank %d allowed at head %d, but block %d is rank %d's turn", spacing, rank, n, b, turn)
				}
				if got := at(b).SlotChallenge(slot); got != read {
					t.Fatalf("spacing %d: allowed at head %d, but the challenge in block %d differs from the one read", spacing, n, b)
				}
			}
		}
		for rank := uint8(1); rank <= cfg.Reservations.MaxReservations; rank++ {
			// 3000 heads are 166 turns of each rank; most leave room to fill.
			if allowed[rank] < 100 {
				t.Errorf("spacing %d: rank %d may fill at only %d of 3000 heads", spacing, rank, allowed[rank])
			}
		}
		t.Logf("spacing %d s: heads where a fill may go, by rank: %v of 3000", spacing, allowed)
	}
}
