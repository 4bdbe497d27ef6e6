package node

import (
	"context"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/contracts/bindings"
	"github.com/slotd/slotd/fsm"
	"github.com/slotd/slotd/node/api"
	"github.com/slotd/slotd/persist"
)

// maxStatusSlots bounds the chain reads one status request makes for the
// slots this node holds (two reads a slot, the request's terms cached).
const maxStatusSlots = 64

// Report is what `slotd status` shows beyond the basic Status: money,
// storage, proofs and the chain as this node sees them. Each part is
// computed from the store and a few chain reads per request; a part the
// node could not read is left out and the reason is in Errors.
type Report struct {
	Token     *TokenInfo       `json:"token,omitempty"`
	Balances  *Balances        `json:"balances,omitempty"`
	Chain     ChainHealth      `json:"chain"`
	Host      *HostReport      `json:"host,omitempty"`
	Client    *ClientReport    `json:"client,omitempty"`
	Validator *ValidatorStatus `json:"validator,omitempty"`
	Ledger    *LedgerStatus    `json:"ledger,omitempty"`
	// PendingTxs are our transactions not mined yet.
	PendingTxs []PendingTx `json:"pendingTxs,omitempty"`
	// Alerts are the problems seen now (empty when all is well).
	Alerts []Alert `json:"alerts"`
	// Errors lists what could not be read, "what: why".
	Errors []string `json:"errors,omitempty"`
}

// TokenInfo is the ERC20 the Marketplace pays in.
type TokenInfo struct {
	Address  common.Address `json:"address"`
	Symbol   string         `json:"symbol"`
	Decimals uint8          `json:"decimals"`
}

// Balances are the account's, in wei and in token base units.
type Balances struct {
	Gas   api.Amount `json:"gas"`
	Token api.Amount `json:"token"`
}

// ChainHealth is how this node's view of the chain stands.
type ChainHealth struct {
	RPCOK        bool   `json:"rpcOk"`
	RPCError     string `json:"rpcError,omitempty"`
	RPCLatencyMS int64  `json:"rpcLatencyMs"`
	// Cursor is the last block whose events the host role applied; 0 if
	// it has applied none (or the node plays no host role).
	Cursor    uint64 `json:"cursor,omitempty"`
	CursorLag uint64 `json:"cursorLag,omitempty"`
	Period    uint64 `json:"period,omitempty"`
	PeriodSec uint64 `json:"periodSeconds,omitempty"`
}

// HostReport is the host role's money, storage and proofs.
type HostReport struct {
	SlotsByState map[string]int `json:"slotsByState"`
	// Held are slots filled by us and not paid out yet.
	Held int `json:"held"`
	// Accruing is what the held slots have earned so far (filledAt to now,
	// capped at the request's end); PayoutAtEnd what they earn by the end.
	Accruing    api.Amount `json:"accruing"`
	PayoutAtEnd api.Amount `json:"payoutAtEnd"`
	// CollateralLocked is what the contract holds of ours in held slots,
	// after any slashes; Slashes counts them.
	CollateralLocked api.Amount `json:"collateralLocked"`
	Slashes          uint64     `json:"slashes"`
	// ProofsDue is how many held slots need a proof in this period, and
	// ProofsProven how many of those have theirs sent or on chain, as the
	// proving scheduler's latest round found.
	ProofsDue    int `json:"proofsDue"`
	ProofsProven int `json:"proofsProven"`
	// Counters since the node started.
	ProofsSubmitted uint64 `json:"proofsSubmittedSinceStart"`
	ProofsMissed    uint64 `json:"proofsMissedSinceStart"`
	// From the ledger's proof records: the day before the cursor's time.
	ProofsSubmitted24h int `json:"proofsSubmitted24h"`
	ProofsMissed24h    int `json:"proofsMissed24h"`
	SlotsLost24h       int `json:"slotsLost24h"` // freed from us after the last slash
	// Paid is what payouts brought in (the journal's, all time);
	// Forfeited the collateral slashes took (the proof records', a day).
	Paid      api.Amount `json:"paid"`
	Forfeited api.Amount `json:"forfeited"`
	// Storage in bytes.
	Offered  uint64 `json:"offered"`  // total of the availabilities
	Free     uint64 `json:"free"`     // of those, not reserved
	Reserved uint64 `json:"reserved"` // reserved by live sales
	DiskFree uint64 `json:"diskFree"` // free on the data dir's file system
	Queued   int    `json:"queued"`
	// Downloads in progress: bytes verified of each slot being fetched.
	Downloads []DownloadProgress `json:"downloads,omitempty"`
	// Partial: more slots are held than the status reads (maxStatusSlots).
	Partial bool `json:"partial,omitempty"`
}

// DownloadProgress is one slot's fetch.
type DownloadProgress struct {
	SlotID   persist.ID `json:"slotId"`
	Size     uint64     `json:"size"`
	Verified uint64     `json:"verified"`
	Updated  time.Time  `json:"updated"`
	// BytesPerSecond is the rate since an earlier status request saw this
	// download (0 until one has).
	BytesPerSecond float64 `json:"bytesPerSecond,omitempty"`
}

// ClientReport is the client role's requests and money.
type ClientReport struct {
	PurchasesByState map[string]int `json:"purchasesByState"`
	// Deposited is what this node's requests paid in (every purchase the
	// store holds, whatever its state).
	Deposited api.Amount `json:"deposited"`
	Withdrawn int        `json:"withdrawn"` // purchases whose funds were withdrawn
	// Refunded is what those withdrawals brought back (the part of the
	// deposit not paid to hosts, plus what slashed hosts forfeited); a
	// withdrawal from before the figure was kept is not counted.
	Refunded api.Amount `json:"refunded"`
	// RefundUnknown counts withdrawn purchases whose refund is not known.
	RefundUnknown int `json:"refundUnknown,omitempty"`
}

// reporter caches what never changes: the token and the requests' terms.
type reporter struct {
	mu    sync.Mutex
	token *TokenInfo
	asks  map[contracts.RequestID]contracts.Ask
	seen  map[persist.ID]dlSample // downloads as an earlier status saw them
	// pending: when each pending transaction was first seen (stucktx.go)
	pending map[string]pendingSeen
}

type dlSample struct {
	verified uint64
	at       time.Time
}

// rates fills in each download's rate from the samples of earlier status
// requests; a sample is kept at least a second so the rate is not noise.
func (r *reporter) rates(ds []DownloadProgress, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	next := make(map[persist.ID]dlSample, len(ds))
	for i, d := range ds {
		prev, ok := r.seen[d.SlotID]
		if ok && d.Verified >= prev.verified && now.Sub(prev.at) > 0 {
			ds[i].BytesPerSecond = float64(d.Verified-prev.verified) / now.Sub(prev.at).Seconds()
		}
		if !ok || now.Sub(prev.at) >= time.Second || d.Verified < prev.verified {
			prev = dlSample{verified: d.Verified, at: now}
		}
		next[d.SlotID] = prev
	}
	r.seen = next // finished downloads drop out
}

func (n *Node) report(ctx context.Context, head uint64, headErr error, latency time.Duration) Report {
	var r Report
	fail := func(what string, err error) { r.Errors = append(r.Errors, what+": "+err.Error()) }
	r.Chain = ChainHealth{RPCOK: headErr == nil, RPCLatencyMS: latency.Milliseconds()}
	if headErr != nil {
		r.Chain.RPCError = headErr.Error()
		r.Alerts = alerts(r, nil)
		return r // every other part reads the chain too
	}
	if t, err := n.tokenInfo(ctx); err == nil {
		r.Token = t
	} else {
		fail("token", err)
	}
	account := n.market.Account()
	if gas, err := n.eth.BalanceAt(ctx, account, nil); err == nil {
		if tok, err := n.market.TokenBalance(ctx, account); err == nil {
			r.Balances = &Balances{Gas: api.Amount{Int: gas}, Token: api.Amount{Int: tok}}
		} else {
			fail("token balance", err)
		}
	} else {
		fail("gas balance", err)
	}
	if cfg, err := n.market.Config(ctx); err == nil {
		r.Chain.PeriodSec = cfg.Proofs.Period
	}
	if p, err := n.market.CurrentPeriod(ctx); err == nil {
		r.Chain.Period = p
	}
	n.store.View(func(tx *persist.Tx) error {
		if c, err := tx.Cursor(); err == nil {
			r.Chain.Cursor = c.Number
			if head > c.Number {
				r.Chain.CursorLag = head - c.Number
			}
		}
		return nil
	})
	if p, err := n.pendingTxs(head); err == nil {
		r.PendingTxs = p
	} else {
		fail("pending transactions", err)
	}
	if n.sales != nil {
		h, err := n.hostReport(ctx)
		if err != nil {
			fail("host", err)
		}
		r.Host = h
	}
	if n.client != nil {
		c, err := n.clientReport()
		if err != nil {
			fail("client", err)
		}
		r.Client = c
	}
	if ls, vs, err := n.ledgerStatus(); err == nil {
		r.Ledger, r.Validator = ls, vs
	} else {
		fail("ledger", err)
	}
	price, err := n.eth.SuggestGasPrice(ctx)
	if err != nil {
		price = nil
	}
	r.Alerts = alerts(r, price)
	return r
}

// tokenInfo reads the token's symbol and decimals once.
func (n *Node) tokenInfo(ctx context.Context) (*TokenInfo, error) {
	n.rep.mu.Lock()
	defer n.rep.mu.Unlock()
	if n.rep.token != nil {
		return n.rep.token, nil
	}
	addr, err := n.market.Token(ctx)
	if err != nil {
		return nil, err
	}
	b := bindings.NewTestToken()
	t := b.Instance(n.eth, addr)
	opts := &bind.CallOpts{Context: ctx}
	sym, err := bind.Call(t, opts, b.PackSymbol(), b.UnpackSymbol)
	if err != nil {
		return nil, err
	}
	dec, err := bind.Call(t, opts, b.PackDecimals(), b.UnpackDecimals)
	if err != nil {
		return nil, err
	}
	n.rep.token = &TokenInfo{Address: addr, Symbol: sym, Decimals: dec}
	return n.rep.token, nil
}

// ask returns a request's terms, which never change once requested.
func (n *Node) ask(ctx context.Context, id contracts.RequestID) (contracts.Ask, error) {
	n.rep.mu.Lock()
	a, ok := n.rep.asks[id]
	n.rep.mu.Unlock()
	if ok {
		return a, nil
	}
	req, err := n.market.GetRequest(ctx, id)
	if err != nil {
		return contracts.Ask{}, err
	}
	n.rep.mu.Lock()
	if n.rep.asks == nil {
		n.rep.asks = map[contracts.RequestID]contracts.Ask{}
	}
	n.rep.asks[id] = req.Ask
	n.rep.mu.Unlock()
	return req.Ask, nil
}

func (n *Node) hostReport(ctx context.Context) (*HostReport, error) {
	h := &HostReport{SlotsByState: map[string]int{}, Queued: n.sales.Queued(),
		Accruing: amount0(), PayoutAtEnd: amount0(), CollateralLocked: amount0(),
		ProofsSubmitted: counter(n.metrics.ProofsSubmitted), ProofsMissed: counter(n.metrics.ProofsMissed)}
	var held []persist.Agent
	err := n.store.View(func(tx *persist.Tx) error {
		if err := tx.ForEachAgent(func(a persist.Agent) error {
			h.SlotsByState[a.State]++
			if fsm.IsLive(a.State) {
				h.Reserved += a.Reserved
			}
			if a.State == fsm.Filled || a.State == fsm.Proving {
				held = append(held, a)
			}
			return nil
		}); err != nil {
			return err
		}
		if err := tx.ForEachAvailability(func(a persist.Availability) error {
			h.Offered += a.TotalSize
			h.Free += a.FreeSize
			return nil
		}); err != nil {
			return err
		}
		return tx.ForEachDownload(func(d persist.Download) error {
			h.Downloads = append(h.Downloads, DownloadProgress{SlotID: d.SlotID, Size: d.Size, Verified: d.Verified, Updated: d.Updated})
			return nil
		})
	})
	if err != nil {
		return h, err
	}
	n.rep.rates(h.Downloads, time.Now())
	h.Paid, h.Forfeited = amount0(), amount0()
	e, earnErr := n.earnings(ctx) // its failure is reported after the rest is read
	if earnErr == nil {
		h.Paid, h.Forfeited, h.ProofsSubmitted24h, h.ProofsMissed24h = e.Paid, e.Forfeited, e.ProofsSubmitted24h, e.ProofsMissed24h
		h.SlotsLost24h = e.SlotsLost24h
	}
	if pf := n.sales.ProvingFigures(); pf.Round {
		h.ProofsDue, h.ProofsProven = pf.Due, pf.Proven
	}
	h.DiskFree = diskFree(n.cfg.DataDir)
	h.Held = len(held)
	if len(held) > maxStatusSlots {
		held, h.Partial = held[:maxStatusSlots], true
	}
	now := uint64(time.Now().Unix())
	if hdr, err := n.eth.HeaderByNumber(ctx, nil); err == nil {
		now = hdr.Time // the chain's clock, which a devnet may run fast
	}
	for _, a := range held {
		if err := n.addHeld(ctx, h, a, now); err != nil {
			return h, err
		}
	}
	if earnErr != nil {
		return h, fmt.Errorf("earnings: %w", earnErr)
	}
	return h, nil
}

// addHeld adds one held slot's earnings and collateral to h.
func (n *Node) addHeld(ctx context.Context, h *HostReport, a persist.Agent, now uint64) error {
	rid := contracts.RequestID(a.RequestID)
	slot := contracts.GetSlotID(rid, a.SlotIndex)
	ask, err := n.ask(ctx, rid)
	if err != nil {
		return err
	}
	info, err := n.market.GetSlot(ctx, slot)
	if err != nil {
		return err
	}
	end, err := n.market.RequestEnd(ctx, rid)
	if err != nil {
		return err
	}
	h.Accruing.Add(h.Accruing.Int, earnings(ask, info.FilledAt, min(now, end)))
	h.PayoutAtEnd.Add(h.PayoutAtEnd.Int, earnings(ask, info.FilledAt, end))
	if info.Collateral != nil {
		h.CollateralLocked.Add(h.CollateralLocked.Int, info.Collateral)
	}
	if info.Slashes != nil {
		h.Slashes += info.Slashes.Uint64()
	}
	return nil
}

// earnings is the contract's _earnings: (to − filledAt) × slotSize × price.
func earnings(ask contracts.Ask, filledAt, to uint64) *big.Int {
	if to <= filledAt || ask.PricePerBytePerSecond == nil {
		return new(big.Int)
	}
	e := new(big.Int).SetUint64(to - filledAt)
	e.Mul(e, new(big.Int).SetUint64(ask.SlotSize))
	return e.Mul(e, ask.PricePerBytePerSecond)
}

func (n *Node) clientReport() (*ClientReport, error) {
	c := &ClientReport{PurchasesByState: map[string]int{}, Deposited: amount0(), Refunded: amount0()}
	err := n.store.View(func(tx *persist.Tx) error {
		return tx.ForEachPurchase(func(p persist.Purchase) error {
			c.PurchasesByState[p.State]++
			if p.Withdrawn {
				c.Withdrawn++
			}
			switch {
			case p.Refund != nil:
				c.Refunded.Add(c.Refunded.Int, p.Refund)
			case p.Withdrawn:
				c.RefundUnknown++
			}
			if req, err := contracts.DecodeRequest(p.Request); err == nil {
				c.Deposited.Add(c.Deposited.Int, contracts.Deposit(req.Ask))
			}
			return nil
		})
	})
	return c, err
}

func amount0() api.Amount { return api.Amount{Int: new(big.Int)} }

// counter reads a Prometheus counter's value.
func counter(c prometheus.Counter) uint64 {
	var m dto.Metric
	if c == nil || c.Write(&m) != nil {
		return 0
	}
	return uint64(m.GetCounter().GetValue())
}
