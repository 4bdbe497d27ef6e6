package fsm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/slotd/slotd/persist"
	"github.com/slotd/slotd/retry"
)

// QueueTx is the part of the slot queue a transition changes, inside the
// transition's own store transaction. *queue.Tx satisfies it.
type QueueTx interface {
	Remove(slot persist.ID) (bool, error)
}

// UpdateFunc runs fn in one store transaction, handing it the queue to
// change in that same transaction, and returns once it is durably
// committed or rolled back. fn may run more than once and is idempotent.
// A node with a queue passes the queue's Update, so that the queue's
// memory follows its store:
//
//	func(ctx context.Context, fn func(*persist.Tx, fsm.QueueTx) error) error {
//		return q.Update(ctx, func(tx *persist.Tx, qt *queue.Tx) error { return fn(tx, qt) })
//	}
type UpdateFunc func(ctx context.Context, fn func(tx *persist.Tx, q QueueTx) error) error

// StoreUpdate is the UpdateFunc of a store without an in-memory queue:
// queue entries are deleted from the store's queue bucket directly.
func StoreUpdate(s *persist.Store) UpdateFunc {
	return func(ctx context.Context, fn func(*persist.Tx, QueueTx) error) error {
		return s.Update(ctx, func(tx *persist.Tx) error { return fn(tx, storeQueue{tx}) })
	}
}

type storeQueue struct{ tx *persist.Tx }

func (q storeQueue) Remove(slot persist.ID) (bool, error) { return q.tx.DeleteQueueItem(slot) }

// Options configure the agents. Store and Effects are required.
type Options struct {
	Store   *persist.Store
	Effects Effects
	// Update commits transitions (default StoreUpdate(Store)).
	Update UpdateFunc
	// Head returns the latest chain block the node has seen, for journal
	// entries whose step or event did not name one (nil: 0).
	Head func() uint64
	// Now stamps journal entries (default time.Now). It is a record for
	// the operator only: nothing is decided on the local clock.
	Now func() time.Time
	// MinBackoff and MaxBackoff bound the wait after a transient error
	// (defaults 1s and 5m). The wait doubles with each failure in a row,
	// and is drawn at random from its upper half.
	MinBackoff, MaxBackoff time.Duration
	// Release, if set, runs after an agent's end state committed and
	// before the agent leaves the registry, so no new sale of the slot
	// starts while it runs: the node deletes the slot's data there. It
	// runs on the agent's goroutine, after its side effect returned.
	Release func(persist.Agent)
	// OnEnd is called after an agent's end state committed (its bytes are
	// back in their availability): the node tells the queue to look again.
	// It runs on the agent's goroutine; it must not block for long.
	OnEnd func(persist.Agent)
	// Committed, if set, hears every transition right after it commits and
	// before its side effect runs. Crash tests kill the process here to
	// stop it at a named state (slotd run's SLOTD_CRASH_AFTER).
	Committed func(persist.Agent)
	// Scheduled lists live states whose side effect something outside the
	// registry runs (sales' proving scheduler drives Proving): an agent
	// there holds no goroutine while it waits. A chain event or Tell for
	// it starts a driver to react, and Settle ends the state with the
	// outcome the scheduler found.
	Scheduled []string
	// Logger gets transitions and errors (default: nothing).
	Logger hclog.Logger
}

// Agents is the registry of live sales agents: it creates them (Sell),
// restores them after a restart (Restore), runs one driver goroutine per
// live agent (Start, Stop), and hands chain events to the agent that owns
// the slot (Dispatch, HandleEvent). Its methods are safe for concurrent
// use.
type Agents struct {
	store   *persist.Store
	fx      Effects
	update  UpdateFunc
	now     func() time.Time
	head    func() uint64
	backoff retry.Policy
	onEnd   func(persist.Agent)
	release func(persist.Agent)
	hook    func(persist.Agent)
	sched   []string
	log     hclog.Logger

	mu       sync.Mutex
	agents   map[persist.ID]*Agent
	byReq    map[persist.ID]map[persist.ID]*Agent
	selling  map[persist.ID]bool // Sell in progress
	restored bool
	phase    int  // 0 new, 1 running, 2 stopped
	starting bool // a Start is restoring the agents
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
}

const (
	phaseNew = iota
	phaseRunning
	phaseStopped
)

// New returns an empty registry. Restore loads the stored agents; Start
// runs them.
func New(opts Options) (*Agents, error) {
	if opts.Store == nil || opts.Effects == nil {
		return nil, errors.New("fsm: Options need Store and Effects")
	}
	r := &Agents{
		store:   opts.Store,
		fx:      opts.Effects,
		update:  opts.Update,
		now:     opts.Now,
		head:    opts.Head,
		backoff: retry.Policy{Min: opts.MinBackoff, Max: opts.MaxBackoff, Jitter: true},
		onEnd:   opts.OnEnd,
		release: opts.Release,
		hook:    opts.Committed,
		sched:   slices.Clone(opts.Scheduled),
		log:     opts.Logger,
		agents:  make(map[persist.ID]*Agent),
		byReq:   make(map[persist.ID]map[persist.ID]*Agent),
		selling: make(map[persist.ID]bool),
	}
	if r.update == nil {
		r.update = StoreUpdate(opts.Store)
	}
	if r.now == nil {
		r.now = time.Now
	}
	if r.head == nil {
		r.head = func() uint64 { return 0 }
	}
	if r.backoff.Min <= 0 {
		r.backoff.Min = time.Second
	}
	if r.backoff.Max <= 0 {
		r.backoff.Max = 5 * time.Minute
	}
	if r.backoff.Max < r.backoff.Min {
		r.backoff.Max = r.backoff.Min
	}
	if r.log == nil {
		r.log = hclog.NewNullLogger()
	}
	return r, nil
}

// Restore loads every agent that is not in an end state from the store
// and recreates its state machine at the saved state, firing nothing and
// running no callback. Start then resumes each one's side effect. It
// returns how many agents it loaded; it may be called once, before Start
// (which calls it if it was not). A record in a state this binary does not
// know is logged and left alone.
func (r *Agents) Restore() (int, error) {
	r.mu.Lock()
	if r.restored || r.phase != phaseNew {
		r.mu.Unlock()
		return 0, errors.New("fsm: Restore called twice or after Start")
	}
	r.restored = true
	r.mu.Unlock()

	var stale int
	err := r.store.Update(context.Background(), func(tx *persist.Tx) (err error) {
		stale, err = releaseStale(tx)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("fsm: release stale reservations: %w", err)
	}
	if stale > 0 {
		r.log.Info("released reservations no live agent holds", "count", stale)
	}

	type loaded struct {
		rec  persist.Agent
		from string
	}
	var list []loaded
	err = r.store.View(func(tx *persist.Tx) error {
		// The scan maps the agents' pages; a node has no use for them
		// afterwards, so they should not count in its RSS.
		defer tx.ReleaseMapped()
		return tx.ForEachAgent(func(a persist.Agent) error {
			switch {
			case IsEnd(a.State):
				return nil
			case !IsKnown(a.State):
				r.log.Error("agent in an unknown state left alone", "slotId", a.SlotID, "state", a.State)
				return nil
			}
			l := loaded{rec: a}
			if a.State == Errored {
				if e, err := tx.LastJournalEntry(a.SlotID); err == nil {
					l.from = e.From
				} else if !errors.Is(err, persist.ErrNotFound) {
					return err
				}
			}
			list = append(list, l)
			return nil
		})
	})
	if err != nil {
		return 0, fmt.Errorf("fsm: restore: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, l := range list {
		r.addLocked(newAgent(r, l.rec, l.from, nil))
	}
	r.log.Info("agents restored", "count", len(list))
	return len(list), nil
}

func (r *Agents) addLocked(a *Agent) {
	r.agents[a.id] = a
	m := r.byReq[a.req]
	if m == nil {
		m = make(map[persist.ID]*Agent, 1)
		r.byReq[a.req] = m
	}
	m[a.id] = a
}

// Start runs a driver for every restored agent (restoring first if
// Restore was not called) and lets Sell create new ones. Each driver runs
// its agent's side effect from the saved state: a crash anywhere is
// recovered by running that state's (idempotent) side effect again.
// Cancelling ctx is Stop without the wait.
func (r *Agents) Start(ctx context.Context) error {
	r.mu.Lock()
	if r.phase != phaseNew || r.starting {
		r.mu.Unlock()
		return errors.New("fsm: Start called twice")
	}
	// Restore runs unlocked: a second Start meanwhile must be refused, not
	// take the registry before the agents are loaded.
	r.starting = true
	restored := r.restored
	r.mu.Unlock()
	if !restored {
		if _, err := r.Restore(); err != nil {
			r.mu.Lock()
			r.starting = false
			r.mu.Unlock()
			return err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.starting = false
	if r.phase != phaseNew {
		return errors.New("fsm: Stop called while Start restored the agents")
	}
	r.ctx, r.cancel = context.WithCancel(ctx)
	r.phase = phaseRunning
	for _, a := range r.agents {
		r.startDriverLocked(a)
	}
	return nil
}

// Stop interrupts every side effect and waits for the drivers to return.
// Agents stay at their durable state; a new registry restores them.
// Every agent's Released channel is closed, so no worker waits on it.
func (r *Agents) Stop() {
	r.mu.Lock()
	if r.phase == phaseRunning {
		r.cancel()
	}
	r.phase = phaseStopped
	r.mu.Unlock()
	r.wg.Wait()
	r.mu.Lock()
	all := make([]*Agent, 0, len(r.agents))
	for _, a := range r.agents {
		all = append(all, a)
	}
	r.mu.Unlock()
	for _, a := range all {
		a.release(a.State())
	}
}

// releaseStale returns the bytes of every reservation no live agent
// holds: one whose agent ended or is gone, or an Errored agent's that
// holds none (a crash between the two writes of an older binary).
func releaseStale(tx *persist.Tx) (int, error) {
	var stale []persist.ID
	err := tx.ForEachReservation(func(res persist.Reservation) error {
		a, err := tx.Agent(res.SlotID)
		switch {
		case errors.Is(err, persist.ErrNotFound):
		case err != nil:
			return err
		case IsEnd(a.State), a.State == Errored && a.Reserved == 0:
		default:
			return nil
		}
		stale = append(stale, res.SlotID)
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, id := range stale {
		if _, err := tx.Release(id); err != nil {
			return 0, err
		}
	}
	return len(stale), nil
}

// drop forgets an agent that reached an end state.
func (r *Agents) drop(a *Agent) {
	if r.release != nil {
		r.guard(a, "Release", r.release)
	}
	r.mu.Lock()
	if r.agents[a.id] == a {
		delete(r.agents, a.id)
		if m := r.byReq[a.req]; m != nil {
			delete(m, a.id)
			if len(m) == 0 {
				delete(r.byReq, a.req)
			}
		}
	}
	r.mu.Unlock()
	defer a.doneOnce.Do(func() { close(a.done) }) // after OnEnd, even if it panics
	if r.onEnd != nil {
		r.guard(a, "OnEnd", r.onEnd)
	}
}

// guard runs a node's hook on a's record; a panic in it is logged, not
// spread to the agent's goroutine.
func (r *Agents) guard(a *Agent, name string, hook func(persist.Agent)) {
	defer func() {
		if p := recover(); p != nil {
			r.log.Error(name+" panicked", "slotId", a.id, "panic", p)
		}
	}()
	hook(a.Record())
}

// Get returns the slot's agent, or nil.
func (r *Agents) Get(slot persist.ID) *Agent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.agents[slot]
}

// CountRequest is the number of agents in memory (live and Errored) of
// request.
func (r *Agents) CountRequest(request persist.ID) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.byReq[request])
}

// Len is the number of agents in memory (live and Errored).
func (r *Agents) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.agents)
}

// List returns every agent in memory, in no particular order.
func (r *Agents) List() []Info {
	r.mu.Lock()
	all := make([]*Agent, 0, len(r.agents))
	for _, a := range r.agents {
		all = append(all, a)
	}
	r.mu.Unlock()
	out := make([]Info, len(all))
	for i, a := range all {
		out[i] = a.Info()
	}
	return out
}
