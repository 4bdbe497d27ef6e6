// Package sales is the host role: a subscriber of the node's chain
// ingestor that turns Marketplace events into slot queue changes (in the
// store transaction that moves the chain cursor), runs queue workers that
// start one fsm agent per slot, and implements the agents' side effects
// over the chain and the data store. It never walks the chain's logs
// itself.
package sales

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/core/types"
	"github.com/hashicorp/go-hclog"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/fsm"
	"github.com/slotd/slotd/node/datastore"
	"github.com/slotd/slotd/node/metrics"
	"github.com/slotd/slotd/node/transfer"
	"github.com/slotd/slotd/node/txmgr"
	"github.com/slotd/slotd/persist"
	"github.com/slotd/slotd/queue"
)

// Config is what the host role needs.
type Config struct {
	Store  *persist.Store
	Market Market
	Client Client
	Data   *datastore.Store
	Peers  []string
	// Download tunes slot downloads (nil: defaults, which fetch from public
	// addresses only).
	Download *transfer.Options
	// FreeSpace reports the data dir's free disk space (nil: Data's).
	FreeSpace func() (uint64, error)
	Workers   int
	QueueSize int
	// MaxSlotsPerRequest bounds the slots of one request this host sells
	// at once (0: 1), so that one host's outage cannot fail a request.
	MaxSlotsPerRequest int
	Poll               time.Duration
	// DropRetry is how often the data of ended sales that a failed delete
	// left (a full or read-only disk) is deleted again (default 30 s).
	DropRetry time.Duration
	Log       hclog.Logger
	Metrics   *metrics.Metrics
	// Committed hears every agent transition as it commits (crash tests).
	Committed func(persist.Agent)
	// Submitter sends the proving scheduler's proofs without waiting for
	// them to be mined (the node's tx manager). Nil: each proof is sent
	// through Market.SubmitProof and waited for, one at a time.
	Submitter ProofSubmitter
	// ProofLogs settles our proofs' tx records from their ProofSubmitted
	// logs in the ingestor's transaction (the node's tx manager), so that
	// the tx manager reads no receipt for them. Nil: receipts only.
	ProofLogs ProofLogs
	// Confirmations is the ingestor's: the chain's head is this many
	// blocks above the head sales is told of, and proofs are timed for it.
	Confirmations uint64
	// Headers reads a block's header when the proving scheduler needs the
	// hash of a block the chain cursor does not remember (nil: Client's,
	// if it reads headers).
	Headers HeaderReader
}

// HeaderReader reads one block header.
type HeaderReader interface {
	HeaderByNumber(ctx context.Context, number *big.Int) (*types.Header, error)
}

// Client is what sales reads from the chain besides the Market: receipts,
// which tell a reorganised-out fill that reverted where it landed again
// from one still on its way back.
type Client interface {
	txmgr.ReceiptReader
}

// Sales is the host role. New builds it, Run runs it until ctx ends.
type Sales struct {
	cfg    Config
	sched  *scheduler
	q      *queue.Queue
	agents *fsm.Agents
	log    hclog.Logger

	// head is the chain head as the ingestor last committed it (Committed),
	// or as the store's cursor said when Run started.
	head atomic.Pointer[persist.Head]

	// repairPct is the share of a slot's collateral a host that repairs
	// it does not post (the contract's repairRewardPercentage).
	repairPct uint64

	// sellMu orders the check of MaxSlotsPerRequest against the Sell
	// that creates an agent, so two workers cannot both pass it.
	sellMu sync.Mutex

	// Background lookups (the look-back for a new availability) run under bgCtx
	// while Run runs; bgMu orders starting one against Run's end.
	bgMu  sync.Mutex
	bgCtx context.Context // nil outside Run
	wg    sync.WaitGroup

	// undropped are the ended sales whose data a delete failed to remove
	// (dropSlotData); Run deletes them again every DropRetry.
	undroppedMu sync.Mutex
	undropped   map[persist.ID]struct{}
}

// New opens the queue and the agents' registry from the store.
func New(ctx context.Context, cfg Config) (*Sales, error) {
	if cfg.Log == nil {
		cfg.Log = hclog.NewNullLogger()
	}
	if cfg.MaxSlotsPerRequest <= 0 {
		cfg.MaxSlotsPerRequest = 1
	}
	mcfg, err := cfg.Market.Config(ctx)
	if err != nil {
		return nil, fmt.Errorf("sales: marketplace config: %w", err)
	}
	if cfg.Headers == nil {
		cfg.Headers, _ = cfg.Client.(HeaderReader)
	}
	s := &Sales{cfg: cfg, log: cfg.Log, repairPct: uint64(mcfg.Collateral.RepairRewardPercentage)}
	if s.q, err = queue.Open(ctx, cfg.Store, queue.Options{MaxSize: cfg.QueueSize, Logger: cfg.Log.Named("queue")}); err != nil {
		return nil, err
	}
	progress := transfer.PersistProgress{Store: cfg.Store}
	fx := &effects{market: cfg.Market, store: cfg.Store, receipts: cfg.Client, data: cfg.Data, downloader: transfer.NewDownloader(cfg.Data, progress, cfg.Download),
		peers: cfg.Peers, samples: int(mcfg.Proofs.Samples), poll: cfg.Poll, head: s.Head, headers: cfg.Headers,
		proofs: mcfg.Proofs, maxReservations: mcfg.Reservations.MaxReservations, log: cfg.Log.Named("agent"), metrics: cfg.Metrics}
	s.agents, err = fsm.New(fsm.Options{
		Store: cfg.Store, Effects: fx, Logger: cfg.Log.Named("agents"),
		Update: func(ctx context.Context, fn func(*persist.Tx, fsm.QueueTx) error) error {
			return s.q.Update(ctx, func(tx *persist.Tx, qt *queue.Tx) error { return fn(tx, qt) })
		},
		OnEnd:     s.agentEnded,
		Release:   func(a persist.Agent) { s.dropSlotData(context.Background(), a.SlotID) },
		Head:      func() uint64 { return s.Head().Number },
		Committed: cfg.Committed,
		Scheduled: []string{fsm.Proving},
	})
	if err != nil {
		return nil, err
	}
	s.sched = newScheduler(s, fx, mcfg.Proofs, mcfg.Collateral.SlashPercentage)
	return s, nil
}

// Run restores the agents and runs them and the queue workers until ctx
// ends. The chain reaches it through the node's ingestor (Prepare, Apply,
// Revert, Committed), which runs beside it.
func (s *Sales) Run(ctx context.Context) error {
	bgCtx, cancel := context.WithCancel(ctx)
	s.bgMu.Lock()
	s.bgCtx = bgCtx
	s.bgMu.Unlock()
	// Retrying lookups would outlive a Run that ended on an error, so Run
	// stops them, and waits for them before the agents and workers stop.
	stopBackground := func() {
		s.bgMu.Lock()
		s.bgCtx = nil
		s.bgMu.Unlock()
		cancel()
		s.wg.Wait()
	}
	defer stopBackground()
	// The agents journal the block they act at: start them at the block
	// the store's cursor reached, not at 0 before the ingestor's first pass.
	if err := s.loadHead(); err != nil {
		return err
	}
	n, err := s.agents.Restore()
	if err != nil {
		return fmt.Errorf("restore agents: %w", err)
	}
	if err := s.agents.Start(ctx); err != nil {
		return err
	}
	defer s.agents.Stop()
	s.wg.Go(func() { s.sched.run(bgCtx) })
	s.log.Info("sales running", "restored", n, "queued", s.q.Len(), "workers", s.cfg.Workers)
	s.sweepSlotData(ctx)
	// Look back for any availability whose look-back a crash or a stop cut short.
	s.retry("looking back for open requests", s.lookBack)
	if s.cfg.Workers > 0 { // zero: follow the chain and keep the queue, sell nothing
		workers, err := s.q.Start(ctx, s.cfg.Workers, s.work, s.fits)
		if err != nil {
			return err
		}
		defer workers.Stop()
	}
	s.redropEvery(ctx, s.cfg.DropRetry)
	return nil
}

// loadHead takes the head from the stored cursor, unless the ingestor has
// told one already.
func (s *Sales) loadHead() error {
	var c persist.Cursor
	err := s.cfg.Store.View(func(tx *persist.Tx) (err error) { c, err = tx.Cursor(); return err })
	if errors.Is(err, persist.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read the chain cursor: %w", err)
	}
	h := c.Head()
	s.head.CompareAndSwap(nil, &h)
	return nil
}

// work sells one slot: it starts the slot's agent and returns once the
// worker may go (the slot is filled, or the sale ended).
func (s *Sales) work(ctx context.Context, it queue.Item) error {
	if err := s.diskRoom(it.SlotSize); err != nil {
		s.log.Warn("not taking the slot: no room on disk; it waits for an availability change", "slotId", it.SlotID, "err", err)
		return fmt.Errorf("%w: %v", queue.ErrRetry, err)
	}
	a, err := s.sell(ctx, it)
	if errors.Is(err, persist.ErrInsufficientSpace) || errors.Is(err, errRequestHeld) {
		return fmt.Errorf("%w: %v", queue.ErrRetry, err)
	}
	if err != nil {
		return err
	}
	return a.WaitReleased(ctx)
}

// errRequestHeld: we hold MaxSlotsPerRequest slots of the item's request.
var errRequestHeld = errors.New("this host holds as many slots of the request as --max-slots-per-request allows")

// sell starts the slot's agent unless we hold enough of its request.
func (s *Sales) sell(ctx context.Context, it queue.Item) (*fsm.Agent, error) {
	s.sellMu.Lock()
	defer s.sellMu.Unlock()
	if !s.mayHoldAnother(it.RequestID) {
		return nil, errRequestHeld
	}
	return s.agents.Sell(ctx, fsm.Sale{SlotID: it.SlotID, RequestID: it.RequestID, SlotIndex: it.SlotIndex, SlotSize: it.SlotSize,
		Fits: func(av persist.Availability) bool { return takes(av, it) }})
}

// mayHoldAnother says whether we hold fewer than MaxSlotsPerRequest slots
// of request: agents in memory (live or Errored) count; ended ones do not.
func (s *Sales) mayHoldAnother(request persist.ID) bool {
	return s.agents.CountRequest(request) < s.cfg.MaxSlotsPerRequest
}

// takes says whether availability av accepts the slot's terms.
func takes(av persist.Availability, it queue.Item) bool {
	return av.FreeSize >= it.SlotSize && av.Duration >= it.Duration &&
		(av.MinPricePerBytePerSecond == nil || it.PricePerBytePerSecond.Cmp(av.MinPricePerBytePerSecond) >= 0) &&
		(av.MaxCollateralPerByte == nil || it.CollateralPerByte.Cmp(av.MaxCollateralPerByte) <= 0)
}

// fits is the workers' filter: some availability takes the item.
func (s *Sales) fits(it queue.Item) bool {
	if !s.mayHoldAnother(it.RequestID) {
		return false // another slot of the request waits for one of ours to end
	}
	ok := false
	s.cfg.Store.View(func(tx *persist.Tx) error { ok = anyTakes(tx, it); return nil })
	return ok
}

// fitsAsk reads the availabilities in the ingestion transaction itself.
func fitsAsk(tx *persist.Tx) func(contracts.Ask) bool {
	return func(ask contracts.Ask) bool { return anyTakes(tx, itemOf(contracts.RequestID{}, 0, ask, 0)) }
}

// errFound stops an availability scan at the first match.
var errFound = errors.New("found")

// anyTakes says whether some availability in tx takes the item.
func anyTakes(tx *persist.Tx, it queue.Item) bool {
	err := tx.ForEachAvailability(func(av persist.Availability) error {
		if takes(av, it) {
			return errFound
		}
		return nil
	})
	return errors.Is(err, errFound)
}

// Retry moves an Errored agent back to a safe state.
func (s *Sales) Retry(ctx context.Context, slot persist.ID) error { return s.agents.Retry(ctx, slot) }

// Agents lists the live agents.
func (s *Sales) Agents() []fsm.Info { return s.agents.List() }

// Head is the chain head sales knows (the zero Head before any).
func (s *Sales) Head() persist.Head {
	if h := s.head.Load(); h != nil {
		return *h
	}
	return persist.Head{}
}

// Queued is how many slots wait in the queue.
func (s *Sales) Queued() int { return s.q.Len() }
