// Package purchasing is the client role: it turns an uploaded dataset into a
// storage request, follows the request on chain to its end, and withdraws
// what comes back. It subscribes to the node's chain ingestor, which wakes
// it when an event concerns one of its requests.
//
// The request is persisted (encoded whole, so its id is fixed) before it is
// sent; every later step is recomputed from the chain's view of the request,
// so a restart at any point re-sends nothing that already landed and never
// sends a second request.
package purchasing

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/hashicorp/go-hclog"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/node/outage"
	"github.com/slotd/slotd/persist"
)

// States a purchase moves through. The last three come from the chain.
const (
	StatePending   = "pending"   // persisted, not yet seen on chain
	StateSubmitted = "submitted" // on chain, waiting for hosts (New)
	StateStarted   = "started"   // every slot filled
	StateFinished  = "finished"
	StateCancelled = "cancelled"
	StateFailed    = "failed"
)

// Chain is what purchasing needs of the Marketplace.
type Chain interface {
	RequestStorage(ctx context.Context, r contracts.Request) (contracts.RequestID, error)
	RequestState(ctx context.Context, id contracts.RequestID) (contracts.RequestState, error)
	// WithdrawFunds returns what the withdrawal brought back (nil: not
	// known).
	WithdrawFunds(ctx context.Context, id contracts.RequestID) (*big.Int, error)
	Account() [20]byte
}

// Params are what a client chooses for a request; slots, slot size and
// maxSlotLoss come from the dataset.
type Params struct {
	Duration              uint64   // seconds
	Expiry                uint64   // seconds after the request is made; must be below Duration
	ProofProbability      *big.Int // a proof is required about once every this many periods
	PricePerBytePerSecond *big.Int
	CollateralPerByte     *big.Int
	Providers             []byte // content.cid: where the data is served
}

// ErrParams is a request a client should fix before any transaction is sent.
var ErrParams = errors.New("invalid request parameters")

// Check validates p against what the contract would refuse.
func (p Params) Check() error {
	switch {
	case p.Duration == 0:
		return fmt.Errorf("%w: duration must be positive", ErrParams)
	case p.Expiry == 0 || p.Expiry >= p.Duration:
		return fmt.Errorf("%w: expiry must be positive and below the duration (%d s)", ErrParams, p.Duration)
	case p.ProofProbability == nil || p.ProofProbability.Sign() <= 0:
		return fmt.Errorf("%w: proof probability must be positive", ErrParams)
	case p.PricePerBytePerSecond == nil || p.PricePerBytePerSecond.Sign() <= 0:
		return fmt.Errorf("%w: price per byte per second must be positive", ErrParams)
	case p.CollateralPerByte == nil || p.CollateralPerByte.Sign() < 0:
		return fmt.Errorf("%w: collateral per byte must not be negative", ErrParams)
	}
	return nil
}

// Purchasing follows this node's requests. Step is safe to call from one
// goroutine at a time; Run owns that goroutine.
type Purchasing struct {
	chain Chain
	store *persist.Store
	log   hclog.Logger
	now   func() time.Time
	wake  chan struct{} // an ingested event touched one of our requests (cap 1)
	// mu orders moves of a purchase (Step, Request, Cancel): a cancel never
	// races a send of the same purchase.
	mu sync.Mutex
}

// New returns the client role over chain and store.
func New(chain Chain, store *persist.Store, log hclog.Logger) *Purchasing {
	if log == nil {
		log = hclog.NewNullLogger()
	}
	return &Purchasing{chain: chain, store: store, log: log, now: time.Now, wake: make(chan struct{}, 1)}
}

// Dataset is what a request needs to know of an uploaded dataset.
type Dataset struct {
	CID         string
	ContentRoot [32]byte
	Slots       uint64
	MaxSlotLoss uint64
	SlotSize    uint64
}

// Request records a new request for ds and sends it. The record commits
// first; if sending fails the next Step sends the same request again.
func (p *Purchasing) Request(ctx context.Context, ds Dataset, params Params) (contracts.RequestID, error) {
	if err := params.Check(); err != nil {
		return contracts.RequestID{}, err
	}
	var nonce [32]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return contracts.RequestID{}, fmt.Errorf("nonce: %w", err)
	}
	r := contracts.Request{
		Client: p.chain.Account(),
		Ask: contracts.Ask{
			Slots: ds.Slots, SlotSize: ds.SlotSize, Duration: params.Duration, MaxSlotLoss: ds.MaxSlotLoss,
			ProofProbability: params.ProofProbability, PricePerBytePerSecond: params.PricePerBytePerSecond,
			CollateralPerByte: params.CollateralPerByte,
		},
		Content: contracts.Content{Cid: params.Providers, MerkleRoot: ds.ContentRoot},
		Expiry:  params.Expiry,
		Nonce:   nonce,
	}
	if err := p.checkBounds(ctx, r); err != nil {
		return contracts.RequestID{}, err
	}
	if err := p.checkFunds(ctx, r); err != nil {
		return contracts.RequestID{}, err
	}
	enc, err := contracts.EncodeRequest(r)
	if err != nil {
		return contracts.RequestID{}, err
	}
	id, err := contracts.GetRequestID(r)
	if err != nil {
		return id, err
	}
	now := p.now().UTC()
	rec := persist.Purchase{RequestID: persist.ID(id), State: StatePending, CID: ds.CID, Expiry: params.Expiry, Created: now, Updated: now, Request: enc}
	if err := p.store.Update(ctx, func(tx *persist.Tx) error { return tx.PutPurchase(rec) }); err != nil {
		return id, fmt.Errorf("record purchase %s: %w", id, err)
	}
	p.log.Info("storage request recorded", "requestId", id, "cid", ds.CID, "slots", ds.Slots)
	return id, p.advance(ctx, rec)
}

// checkBounds refuses a request the contract would refuse or whose
// amounts do not fit its types, before anything is recorded or sent; the
// chain's duration limit is read when the chain can tell it.
func (p *Purchasing) checkBounds(ctx context.Context, r contracts.Request) error {
	var limit uint64
	if c, ok := p.chain.(interface {
		Config(context.Context) (contracts.Config, error)
	}); ok {
		cfg, err := c.Config(ctx)
		if err != nil {
			return fmt.Errorf("read the marketplace's duration limit: %w", err)
		}
		limit = cfg.RequestDurationLimit
	}
	if err := contracts.CheckRequest(r, limit); err != nil {
		return fmt.Errorf("%w: %w", ErrParams, err)
	}
	return nil
}

// ErrFunds is a request whose deposit the client's tokens do not cover.
var ErrFunds = errors.New("insufficient funds")

// checkFunds refuses, before anything is recorded or sent, a request whose
// deposit is more than the account's token balance: the contract would
// refuse it, and a purchase recorded anyway would be retried forever. (The
// allowance is no limit: sending approves the deposit first.) A chain that
// cannot tell the balance is not asked.
func (p *Purchasing) checkFunds(ctx context.Context, r contracts.Request) error {
	b, ok := p.chain.(interface {
		TokenBalance(context.Context, common.Address) (*big.Int, error)
	})
	if !ok {
		return nil
	}
	have, err := b.TokenBalance(ctx, r.Client)
	if err != nil {
		return fmt.Errorf("read the token balance: %w", err)
	}
	if need := contracts.Deposit(r.Ask); have.Cmp(need) < 0 {
		return fmt.Errorf("%w: %w: the deposit is %s token units and %s holds %s; get tokens (or lower the price, duration or slots) and request again",
			ErrParams, ErrFunds, need, common.Address(r.Client).Hex(), have)
	}
	return nil
}

// ErrNotCancellable: the request is on chain and still running, or waiting
// for hosts before its expiry; only its end (or expiry) settles it.
var ErrNotCancellable = errors.New("purchase cannot be cancelled now")

// Cancel ends a purchase: one never sent (the chain does not know it) is
// marked cancelled and never sent; one whose request expired or ended has
// what is due withdrawn now. A request waiting for hosts before its expiry,
// or running, cannot be ended by the client (ErrNotCancellable).
func (p *Purchasing) Cancel(ctx context.Context, id contracts.RequestID) (persist.Purchase, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	rec, err := p.Purchase(id)
	if err != nil {
		return rec, fmt.Errorf("purchase %s: %w", id, err)
	}
	if rec.Withdrawn {
		return rec, nil
	}
	state, err := p.chain.RequestState(ctx, id)
	switch {
	case errors.Is(err, contracts.ErrUnknownRequest):
		next := rec
		next.State, next.Withdrawn, next.Refund = StateCancelled, true, new(big.Int) // nothing was sent, nothing is due
		p.log.Info("purchase cancelled before it was sent", "requestId", id)
		return next, p.save(ctx, rec, next)
	case err != nil:
		return rec, fmt.Errorf("purchase %s: %w", id, err)
	case state == contracts.RequestStateNew:
		return rec, fmt.Errorf("%w: request %s waits for hosts until its expiry; cancel it after that to withdraw the deposit", ErrNotCancellable, id)
	case state == contracts.RequestStateStarted:
		return rec, fmt.Errorf("%w: request %s is running; its deposit is paid out at its end", ErrNotCancellable, id)
	}
	if err := p.advanceLocked(ctx, rec); err != nil {
		return rec, err
	}
	return p.Purchase(id)
}

// Purchase returns the stored record of a request.
func (p *Purchasing) Purchase(id contracts.RequestID) (persist.Purchase, error) {
	var rec persist.Purchase
	err := p.store.View(func(tx *persist.Tx) error {
		var err error
		rec, err = tx.Purchase(persist.ID(id))
		return err
	})
	return rec, err
}

// Run steps every interval, and whenever the chain ingestor wakes it,
// until ctx ends.
func (p *Purchasing) Run(ctx context.Context, every time.Duration) error {
	t := time.NewTicker(every)
	defer t.Stop()
	trouble := outage.Log{What: "purchasing"}
	for {
		if err := p.Step(ctx); ctx.Err() == nil {
			trouble.Note(p.log, err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-p.wake:
		}
	}
}

// Step moves every open purchase as far as the chain allows.
func (p *Purchasing) Step(ctx context.Context) error {
	var open []persist.Purchase
	err := p.store.View(func(tx *persist.Tx) error {
		return tx.ForEachPurchase(func(rec persist.Purchase) error {
			if !rec.Withdrawn {
				open = append(open, rec)
			}
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("list purchases: %w", err)
	}
	var errs []error
	for _, rec := range open {
		if err := p.advance(ctx, rec); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// advance recomputes one purchase from the chain and does the next step.
func (p *Purchasing) advance(ctx context.Context, rec persist.Purchase) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	// A cancel may have come since rec was read.
	cur, err := p.Purchase(contracts.RequestID(rec.RequestID))
	if err != nil {
		return fmt.Errorf("purchase %s: %w", contracts.RequestID(rec.RequestID), err)
	}
	if cur.Withdrawn {
		return nil
	}
	return p.advanceLocked(ctx, cur)
}

func (p *Purchasing) advanceLocked(ctx context.Context, rec persist.Purchase) error {
	id := contracts.RequestID(rec.RequestID)
	state, err := p.chain.RequestState(ctx, id)
	if errors.Is(err, contracts.ErrUnknownRequest) {
		return p.send(ctx, rec)
	}
	if err != nil {
		return fmt.Errorf("purchase %s: %w", id, err)
	}
	next := rec
	next.State = stateName(state)
	if state == contracts.RequestStateFinished || state == contracts.RequestStateCancelled || state == contracts.RequestStateFailed {
		back, err := p.chain.WithdrawFunds(ctx, id)
		switch {
		case err == nil, errors.Is(err, contracts.ErrAlreadyWithdrawn):
			next.Withdrawn, next.Refund = true, back // nil if an earlier run withdrew: not known
			p.log.Info("storage request ended; funds withdrawn", "requestId", id, "state", next.State, "baseUnitsBack", back)
		default:
			return fmt.Errorf("withdraw %s: %w", id, err)
		}
	}
	return p.save(ctx, rec, next)
}

func (p *Purchasing) send(ctx context.Context, rec persist.Purchase) error {
	id := contracts.RequestID(rec.RequestID)
	r, err := contracts.DecodeRequest(rec.Request)
	if err != nil {
		return fmt.Errorf("purchase %s: stored request: %w", id, err)
	}
	if _, err := p.chain.RequestStorage(ctx, r); err != nil && !errors.Is(err, contracts.ErrRequestAlreadyExists) {
		return fmt.Errorf("send request %s: %w", id, err)
	}
	next := rec
	next.State = StateSubmitted
	p.log.Info("storage request sent", "requestId", id)
	return p.save(ctx, rec, next)
}

func (p *Purchasing) save(ctx context.Context, old, next persist.Purchase) error {
	if old.State == next.State && old.Withdrawn == next.Withdrawn {
		return nil
	}
	next.Updated = p.now().UTC()
	return p.store.Update(ctx, func(tx *persist.Tx) error { return tx.PutPurchase(next) })
}

func stateName(s contracts.RequestState) string {
	switch s {
	case contracts.RequestStateNew:
		return StateSubmitted
	case contracts.RequestStateStarted:
		return StateStarted
	case contracts.RequestStateFinished:
		return StateFinished
	case contracts.RequestStateCancelled:
		return StateCancelled
	case contracts.RequestStateFailed:
		return StateFailed
	}
	return s.String()
}
