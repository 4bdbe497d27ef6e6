package node

import (
	"cmp"
	"context"
	"encoding/binary"
	"math/big"
	"regexp"
	"slices"
	"strings"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/fsm"
	"github.com/slotd/slotd/node/api"
	"github.com/slotd/slotd/node/metrics"
	"github.com/slotd/slotd/persist"
)

// EarningsEvent is one change to what the host earned: a payout received
// (from the sale's journal) or collateral forfeited by a slash (from the
// ledger's proof records). Block orders the events; Time is unix seconds
// (the journal's wall clock for a payout, the block's for a slash).
type EarningsEvent struct {
	Block  uint64     `json:"block"`
	Time   int64      `json:"time"`
	SlotID persist.ID `json:"slotId"`
	Kind   string     `json:"kind"` // "paid" or "forfeited"
	Amount api.Amount `json:"amount"`
}

// Earnings is GET /api/v1/earnings: the events oldest first (the newest
// maxEarningsEvents), with their totals, and the proofs of the last day.
type Earnings struct {
	Events    []EarningsEvent `json:"events"`
	Paid      api.Amount      `json:"paid"`
	Forfeited api.Amount      `json:"forfeited"`
	// Unpriced counts payouts whose journal entry carries no amount (the
	// node restarted between the free and its record).
	Unpriced int `json:"unpriced,omitempty"`
	// Proofs of the day before the cursor's block time.
	ProofsSubmitted24h int `json:"proofsSubmitted24h"`
	ProofsMissed24h    int `json:"proofsMissed24h"`
	// SlotsLost24h counts the slots that reached the contract's
	// maxNumberOfSlashes missed proofs over the day: the contract freed
	// them from us, with their collateral and earnings.
	SlotsLost24h int `json:"slotsLost24h"`

	// byPeriod counts the proof records of each period, for /metrics.
	byPeriod map[uint64]metrics.PeriodProofs
}

const maxEarningsEvents = 1000

// payoutAmount reads what a payout's journal detail says was paid
// ("freeSlot tx 0x…: 6.71 TST paid, 0.067 TST collateral back").
var payoutAmount = regexp.MustCompile(`: ([0-9]+(?:\.[0-9]+)?) (.+?) paid, `)

// earnings reads the payouts from the journal and the slashes from the
// proof records. A slash costs the request's collateral per byte × slot
// size × the Marketplace's slash percentage; a record whose request left
// the ledger is counted as a proof but not priced.
func (n *Node) earnings(ctx context.Context) (Earnings, error) {
	e := Earnings{Paid: amount0(), Forfeited: amount0(), Events: []EarningsEvent{}, byPeriod: map[uint64]metrics.PeriodProofs{}}
	decimals := uint8(0)
	if t, err := n.tokenInfo(ctx); err == nil {
		decimals = t.Decimals
	}
	cfg, err := n.market.Config(ctx)
	if err != nil {
		return e, err
	}
	var now uint64
	missed := map[[40]byte]int{} // the day's missed proofs by slot (request ‖ index)
	err = n.store.View(func(tx *persist.Tx) error {
		if c, err := tx.Cursor(); err == nil {
			now = c.Time
		}
		if err := tx.ForEachAgent(func(a persist.Agent) error {
			if !fsm.IsEnd(a.State) {
				return nil
			}
			last, err := tx.LastJournalEntry(a.SlotID)
			if err != nil || last.From != fsm.Payout {
				return nil // not ended by a payout
			}
			v, ok := parsePayout(last.Detail, decimals)
			if !ok {
				e.Unpriced++
				return nil
			}
			e.Events = append(e.Events, EarningsEvent{Block: last.Block, Time: last.Time.Unix(), SlotID: a.SlotID, Kind: "paid", Amount: api.Amount{Int: v}})
			return nil
		}); err != nil {
			return err
		}
		return tx.ForEachLedgerProof(persist.ID{}, func(p persist.LedgerProof) error {
			recent := now < 86400 || p.Time >= now-86400
			pp := e.byPeriod[p.Period]
			if p.Status == persist.ProofSubmitted {
				pp.Submitted++
			} else {
				pp.Missed++
			}
			e.byPeriod[p.Period] = pp
			if p.Status == persist.ProofSubmitted {
				if recent {
					e.ProofsSubmitted24h++
				}
				return nil
			}
			if recent {
				e.ProofsMissed24h++
				var k [40]byte
				copy(k[:], p.RequestID[:])
				binary.BigEndian.PutUint64(k[32:], p.Index)
				if missed[k]++; missed[k] == int(cfg.Collateral.MaxNumberOfSlashes) {
					e.SlotsLost24h++
				}
			}
			r, err := tx.LedgerRequest(p.RequestID)
			if err != nil {
				return nil // pruned: not priced
			}
			slash := new(big.Int).Mul(r.CollateralPerByte, new(big.Int).SetUint64(r.SlotSize))
			slash.Mul(slash, big.NewInt(int64(cfg.Collateral.SlashPercentage)))
			slash.Div(slash, big.NewInt(100))
			slot := persist.ID(contracts.GetSlotID(contracts.RequestID(p.RequestID), p.Index))
			e.Events = append(e.Events, EarningsEvent{Block: p.Block, Time: int64(p.Time), SlotID: slot, Kind: "forfeited", Amount: api.Amount{Int: slash}})
			return nil
		})
	})
	slices.SortStableFunc(e.Events, func(a, b EarningsEvent) int { return cmp.Compare(a.Block, b.Block) })
	for _, ev := range e.Events {
		if ev.Kind == "paid" {
			e.Paid.Add(e.Paid.Int, ev.Amount.Int)
		} else {
			e.Forfeited.Add(e.Forfeited.Int, ev.Amount.Int)
		}
	}
	if len(e.Events) > maxEarningsEvents {
		e.Events = e.Events[len(e.Events)-maxEarningsEvents:]
	}
	return e, err
}

// parsePayout is the base units of the amount a payout detail says was
// paid, exact (the detail was written with the token's decimals).
func parsePayout(detail string, decimals uint8) (*big.Int, bool) {
	m := payoutAmount.FindStringSubmatch(detail)
	if m == nil {
		return nil, false
	}
	if m[2] == "base units" {
		decimals = 0
	}
	whole, frac, _ := strings.Cut(m[1], ".")
	if len(frac) > int(decimals) {
		return nil, false
	}
	v, ok := new(big.Int).SetString(whole+frac+strings.Repeat("0", int(decimals)-len(frac)), 10)
	return v, ok
}

// earningsNow is GET /api/v1/earnings.
func (n *Node) earningsNow(ctx context.Context) (any, error) {
	return n.earnings(ctx)
}

// hostFigures are the earnings' totals and the proving scheduler's
// figures for /metrics: stored facts and the scheduler's own reads, no
// chain read per held slot.
func (n *Node) hostFigures(ctx context.Context) (metrics.HostFigures, error) {
	e, err := n.earnings(ctx)
	if err != nil {
		return metrics.HostFigures{}, err
	}
	f := metrics.HostFigures{Paid: e.Paid.Int, Forfeited: e.Forfeited.Int,
		ProofsSubmitted24h: e.ProofsSubmitted24h, ProofsMissed24h: e.ProofsMissed24h}
	if n.sales == nil {
		return f, nil
	}
	pf := n.sales.ProvingFigures()
	if !pf.Round {
		return f, nil
	}
	f.Proving, f.Period, f.CollateralLocked = true, pf.Period, pf.CollateralLocked
	f.Current = e.byPeriod[pf.Period]
	f.Current.Due = pf.Due
	if pf.Period > 0 {
		f.Previous = e.byPeriod[pf.Period-1]
	}
	f.Previous.Due = pf.PreviousDue
	return f, nil
}
