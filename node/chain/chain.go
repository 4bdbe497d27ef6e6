// Package chain ingests the Marketplace's events into the store. A node has
// one Ingestor, owned by its wiring (package node, the only importer of
// this package); the roles are its Subscribers.
//
// An Ingestor walks the chain from a persisted cursor (the last block whose
// logs are applied, its timestamp, and the hashes of the blocks before it)
// to the head minus a confirmation depth. It hands each block's events to
// every Subscriber inside the same Store.Update that advances the cursor, so
// the effects of the logs and the cursor that covers them commit together:
// after a crash the node neither applies an event twice nor misses one.
// After each commit it tells every subscriber the new head and its time.
//
// History far below the head (more than Config.Recent blocks) is replayed a
// page of blocks per query and per transaction. Near the head every block's
// header is read, its parent hash checked against the cursor, and its hash
// kept in the cursor. When a parent hash does not match, or the cursor's
// block has left the canonical chain, the ingestor walks back through the
// remembered hashes to the common ancestor, hands the orphaned blocks'
// events to the subscribers' Revert (newest block first, each block's events in
// reverse order), rewinds the cursor in the same transaction and then
// applies the canonical branch. The events to revert come from the store:
// every block the cursor remembers has its applied logs stored beside the
// cursor, written and pruned in the transaction that moves it, because
// providers do not serve orphaned blocks (see orphaned for a store that
// predates this).
//
// Run follows new heads: by subscription when the client can push them,
// otherwise (and as a safety net) by polling. A dropped subscription is
// re-established with backoff; whatever was mined meanwhile is filled in
// from logs, since every pass starts from the persisted cursor. RPC errors
// back off and retry; they never stop the ingestor.
package chain

import (
	"context"
	"errors"
	"math/big"
	"slices"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/hashicorp/go-hclog"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/persist"
)

// Client is the part of an Ethereum client the ingestor reads from.
// *ethclient.Client and the simulated backend's client satisfy it.
type Client interface {
	HeaderByNumber(ctx context.Context, number *big.Int) (*types.Header, error)
	FilterLogs(ctx context.Context, q ethereum.FilterQuery) ([]types.Log, error)
}

// HeadSubscriber is a Client that can push new heads (WebSocket, IPC, the
// simulated backend). A client over plain HTTP may implement it and fail
// with rpc.ErrNotificationsUnsupported; the ingestor then polls.
type HeadSubscriber interface {
	SubscribeNewHead(ctx context.Context, ch chan<- *types.Header) (ethereum.Subscription, error)
}

// BlockRef names one block.
type BlockRef struct {
	Number uint64
	Hash   common.Hash
}

// Subscriber is a role that follows the chain through the node's one
// ingestor. Its methods use only persist and contracts types, so a role
// satisfies it without importing this package.
//
// For every batch of blocks the ingestor calls Prepare on each subscriber
// (outside any transaction: it may read the chain), then, in the one
// Store.Update that moves the cursor, Apply (or Revert) for every block of
// the batch that holds Marketplace events, on each subscriber in turn, and
// after the commit Committed with the new head. What Prepare read reaches
// Apply and Revert as their prepared argument: a subscriber keeps nothing
// between the calls. Apply and Revert must keep every effect inside tx:
// Update may run them more than once (group commit retries a batch without
// a failed member) and rolls everything back when one returns an error, in
// which case the ingestor retries the same blocks later.
type Subscriber interface {
	// Prepare gets the batch's events (revert tells which of Apply and
	// Revert follows, and the events are in the order that one sees them).
	// An error fails the pass, which is retried with backoff and leaves
	// the cursor where it was, so an event is never passed without its
	// effect.
	Prepare(ctx context.Context, events []contracts.Event, revert bool) (prepared any, err error)
	// Apply is called once per block that holds Marketplace events, in
	// chain order, with the block's events in log order.
	Apply(tx *persist.Tx, block persist.BlockRef, events []contracts.Event, prepared any) error
	// Revert undoes Apply for a block that left the canonical chain.
	// Blocks are reverted newest first, events in reverse log order, and
	// subscribers in reverse order.
	Revert(tx *persist.Tx, block persist.BlockRef, events []contracts.Event, prepared any) error
	// Committed is called after every transaction that moved the cursor
	// (blocks with or without events, or a rollback) and once when the
	// ingestor loads its cursor, with the cursor's block and timestamp: the
	// chain's time for whatever the role decides by the clock.
	Committed(head persist.Head)
}

// Joiner is a prepared value whose subscriber keeps memory beside the store
// that must follow the batch's commit (the sales queue). Join runs fn
// through update, the transaction the ingestor would run, and returns its
// error; the subscriber commits or undoes its memory by that error.
type Joiner interface {
	Join(ctx context.Context, update func(context.Context, func(*persist.Tx) error) error, fn func(*persist.Tx) error) error
}

// Config is what an Ingestor needs. Client, Store, Subscribers and Address
// are required; the rest have defaults.
type Config struct {
	Client Client
	Store  *persist.Store
	// Subscribers get every batch, in this order (reverts in the opposite
	// one): a ledger the roles read goes first.
	Subscribers []Subscriber
	// Address is the Marketplace contract whose logs are ingested.
	Address common.Address
	// StartBlock is the first block ingested when the store has no cursor
	// yet, typically the Marketplace's deployment block. Once a cursor is
	// stored it is ignored.
	StartBlock uint64
	// Confirmations is how far behind the head ingestion stays: only blocks
	// at or below head − Confirmations are applied. Zero follows the head.
	Confirmations uint64
	// Recent is how many block hashes the cursor remembers below its own
	// block (default 128): the deepest reorganisation the ingestor can roll
	// back. It also marks the zone near the head where every block header is
	// checked; history further down is replayed page by page.
	Recent int
	// PageSize is the block range of one log query (default
	// contracts.DefaultPage); it halves when the provider says a range holds
	// too many results.
	PageSize uint64
	// PollInterval is how often the head is polled (default 4s). With a head
	// subscription it is only a safety net.
	PollInterval time.Duration
	// MinBackoff and MaxBackoff bound the wait after an error (defaults
	// 250ms and 30s); the wait doubles on each failure in a row.
	MinBackoff, MaxBackoff time.Duration
	// Logger gets what the ingestor has to say (default: nothing).
	Logger hclog.Logger
}

// ErrReorgTooDeep is returned by Run and Sync when the chain reorganised
// below the oldest block the cursor remembers. The ingestor cannot undo
// what it applied there; it stops rather than guess.
var ErrReorgTooDeep = errors.New("chain reorganisation deeper than the blocks the cursor remembers")

// errChainMoved means the chain changed between two reads of one pass; the
// pass is retried.
var errChainMoved = errors.New("chain moved during the query")

// Stats counts what an Ingestor has done since New.
type Stats struct {
	Blocks   uint64 // blocks applied (with or without events)
	Events   uint64 // events applied
	Reverted uint64 // events reverted
	Reorgs   uint64 // rollbacks to a common ancestor
	// Unreverted counts orphaned blocks rolled back without their events:
	// applied by a slotd that did not store them, and gone from the
	// provider.
	Unreverted uint64
}

// Ingestor applies the Marketplace's events to the store. Create it with
// New, drive it with Run (or Sync), and stop it by cancelling Run's context.
type Ingestor struct {
	cfg Config
	log hclog.Logger

	pass   sync.Mutex // one pass over the chain at a time; guards page, pageOK
	page   uint64     // current log query page (shrinks on "too many results")
	pageOK int        // walks in a row that did not shrink it

	mu       sync.Mutex
	cur      persist.Cursor
	loaded   bool
	lastHead common.Hash   // head seen when the cursor was last verified
	changed  chan struct{} // closed and replaced whenever the cursor moves
	stats    Stats
}

// New checks cfg and returns an Ingestor. It does no I/O: the cursor is read
// (or created from StartBlock) on the first pass.
func New(cfg Config) (*Ingestor, error) {
	switch {
	case cfg.Client == nil:
		return nil, errors.New("chain: Config.Client is required")
	case cfg.Store == nil:
		return nil, errors.New("chain: Config.Store is required")
	case len(cfg.Subscribers) == 0:
		return nil, errors.New("chain: Config.Subscribers is required")
	case cfg.Address == (common.Address{}):
		return nil, errors.New("chain: Config.Address is required")
	}
	if cfg.Recent <= 0 {
		cfg.Recent = 128
	}
	if cfg.PageSize == 0 {
		cfg.PageSize = contracts.DefaultPage
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 4 * time.Second
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 250 * time.Millisecond
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = max(30*time.Second, cfg.MinBackoff)
	}
	log := cfg.Logger
	if log == nil {
		log = hclog.NewNullLogger()
	}
	return &Ingestor{cfg: cfg, log: log, changed: make(chan struct{})}, nil
}

// Cursor returns the cursor as the ingestor last committed it (the zero
// Cursor before the first pass).
func (in *Ingestor) Cursor() persist.Cursor {
	in.mu.Lock()
	defer in.mu.Unlock()
	c := in.cur
	c.Recent = slices.Clone(c.Recent)
	return c
}

// Stats returns counters of what the ingestor has done.
func (in *Ingestor) Stats() Stats {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.stats
}

// WaitFor blocks until the cursor has reached block n (it may have reached it
// and been rolled back since) or ctx ends. Tests wait on the ingestor with
// it.
func (in *Ingestor) WaitFor(ctx context.Context, n uint64) error {
	for {
		in.mu.Lock()
		done, ch := in.loaded && in.cur.Number >= n, in.changed
		in.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// setCursor records a committed cursor, tells the subscribers and wakes
// WaitFor.
func (in *Ingestor) setCursor(c persist.Cursor, update func(*Stats)) {
	for _, s := range in.cfg.Subscribers {
		s.Committed(c.Head())
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	in.cur, in.loaded = c, true
	if update != nil {
		update(&in.stats)
	}
	close(in.changed)
	in.changed = make(chan struct{})
}

func toRef(b persist.BlockRef) BlockRef { return BlockRef{Number: b.Number, Hash: common.Hash(b.Hash)} }

func fromRef(b BlockRef) persist.BlockRef {
	return persist.BlockRef{Number: b.Number, Hash: persist.ID(b.Hash)}
}

func headOf(c persist.Cursor) BlockRef { return BlockRef{Number: c.Number, Hash: common.Hash(c.Hash)} }
