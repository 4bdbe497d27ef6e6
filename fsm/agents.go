package fsm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/slotd/slotd/contracts/marketplace"
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
	phase    int // 0 new, 1 running, 2 stopped
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
	restored := r.restored
	r.mu.Unlock()
	if !restored {
		if _, err := r.Restore(); err != nil {
			return err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.phase != phaseNew {
		return errors.New("fsm: Start called twice")
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

// Sale is what a queue worker knows about the slot it starts selling.
type Sale struct {
	SlotID    persist.ID
	RequestID persist.ID
	SlotIndex uint64
	SlotSize  uint64 // bytes to reserve
	// Fits chooses the availability: the first one (in id order) with
	// SlotSize free bytes that Fits accepts (nil: any). Finding and
	// reserving are one step.
	Fits func(persist.Availability) bool
	// Released, if set, is called once when the worker may go (see
	// Agent.Released), with the agent's state then.
	Released func(state string)
}

// Sell creates the slot's agent in Preparing: in one transaction it
// journals the start, reserves the bytes and takes the slot out of the
// queue (so a crash from here on resumes the agent rather than queueing
// the slot again). It fails with ErrSelling if the slot has an agent
// (live, Errored or being created), with an error matching
// persist.ErrInsufficientSpace if no availability can hold it (hand the
// slot back to the queue), and with ErrNotRunning before Start or after
// Stop. A slot whose earlier agent ended (say Ignored, and the slot was
// freed since) can be sold again; its journal goes on.
func (r *Agents) Sell(ctx context.Context, s Sale) (*Agent, error) {
	r.mu.Lock()
	switch {
	case r.phase != phaseRunning:
		r.mu.Unlock()
		return nil, ErrNotRunning
	case r.agents[s.SlotID] != nil || r.selling[s.SlotID]:
		r.mu.Unlock()
		return nil, fmt.Errorf("sell %s: %w", s.SlotID, ErrSelling)
	}
	r.selling[s.SlotID] = true
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.selling, s.SlotID)
		r.mu.Unlock()
	}()

	now, block := r.now(), r.head()
	var rec persist.Agent
	err := r.update(ctx, func(tx *persist.Tx, q QueueTx) error {
		from := ""
		if old, err := tx.Agent(s.SlotID); err == nil {
			if !IsEnd(old.State) {
				return fmt.Errorf("%w: stored in state %q", ErrSelling, old.State)
			}
			from = old.State
		} else if !errors.Is(err, persist.ErrNotFound) {
			return err
		}
		av, err := tx.ReserveMatching(s.SlotID, s.SlotSize, s.Fits)
		if err != nil {
			return err
		}
		res, err := tx.Reservation(s.SlotID)
		if err != nil {
			return err
		}
		if q != nil {
			if _, err := q.Remove(s.SlotID); err != nil {
				return err
			}
		}
		a := persist.Agent{SlotID: s.SlotID, RequestID: s.RequestID, SlotIndex: s.SlotIndex, AvailabilityID: av.ID, Reserved: res.Size, SlotSize: s.SlotSize}
		e := persist.JournalEntry{From: from, To: Preparing, Event: EvStart, Time: now, Block: block,
			Detail: fmt.Sprintf("availability %d, %d bytes", av.ID, res.Size)}
		if err := tx.Transition(&a, &e); err != nil {
			return err
		}
		rec = a
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sell %s: %w", s.SlotID, err)
	}
	if r.hook != nil {
		r.hook(rec)
	}
	a := newAgent(r, rec, "", s.Released)
	r.log.Info("agent transition", "slotId", a.id, "requestId", rec.RequestID, "from", "", "to", Preparing, "event", EvStart)
	r.mu.Lock()
	r.addLocked(a)
	r.startDriverLocked(a)
	running := r.phase == phaseRunning
	r.mu.Unlock()
	if !running { // stopped meanwhile: the agent is durable, the worker may go
		a.release(Preparing)
	}
	return a, nil
}

// commit is the one store transaction of a transition: the journal entry,
// the agent's new record and what the new state implies.
func (r *Agents) commit(ctx context.Context, base persist.Agent, from, to, event, detail string, block uint64) (persist.Agent, error) {
	now := r.now()
	var out persist.Agent
	err := r.update(ctx, func(tx *persist.Tx, q QueueTx) error {
		rec := base // fn may run more than once: start from the same values
		e := persist.JournalEntry{From: from, To: to, Event: event, Time: now, Block: block, Detail: detail}
		switch {
		case IsEnd(to):
			// The sale is over: its bytes go back to the availability and
			// the slot cannot be queued by us any more.
			if _, err := tx.Release(rec.SlotID); err != nil {
				return err
			}
			if q != nil {
				if _, err := q.Remove(rec.SlotID); err != nil {
					return err
				}
			}
			rec.Reserved = 0
			rec.Reason = ""
			if to == Failed || to == Ignored {
				rec.Reason = detail // an ignored sale's reason says whether to sell the slot again
			}
		case to == Errored && slices.Contains(preFill, from):
			// No fill was sent: the slot cannot be ours, so its bytes go
			// back at once; a retry takes them again.
			if _, err := tx.Release(rec.SlotID); err != nil {
				return err
			}
			rec.Reserved = 0
			rec.Reason = detail
		case to == Errored:
			rec.Reason = detail // the reservation stays: the slot may be ours
		default:
			rec.Reason = ""
			if from == Errored {
				if err := reReserve(tx, &rec); err != nil {
					return err
				}
			}
		}
		if err := tx.Transition(&rec, &e); err != nil {
			return err
		}
		out = rec
		return nil
	})
	if err == nil && r.hook != nil {
		r.hook(out)
	}
	return out, err
}

// reReserve takes again the bytes an agent gave back when it errored
// before its fill, from the availability it had them from. A retry with no
// room fails with persist.ErrInsufficientSpace and leaves the agent
// Errored.
func reReserve(tx *persist.Tx, rec *persist.Agent) error {
	if rec.Reserved != 0 || rec.SlotSize == 0 {
		return nil
	}
	if err := tx.Reserve(rec.AvailabilityID, rec.SlotID, rec.SlotSize); err != nil {
		return fmt.Errorf("retry needs its %d bytes again: %w", rec.SlotSize, err)
	}
	rec.Reserved = rec.SlotSize
	return nil
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

// Retry moves an Errored agent back to the state it errored from (a
// state whose side effect is safe to run again, as after a crash), with a
// journal entry, and resumes it. It is `slotd sales retry SLOTID`.
func (r *Agents) Retry(ctx context.Context, slot persist.ID) error {
	a := r.Get(slot)
	if a == nil {
		return fmt.Errorf("retry %s: %w", slot, ErrNoAgent)
	}
	a.mu.Lock()
	from := a.from
	a.mu.Unlock()
	if err := a.fire(ctx, Errored, RetryEvent(from), "operator retry", r.head()); err != nil {
		if errors.Is(err, errStale) {
			return fmt.Errorf("retry %s: %w (state %q)", slot, ErrNotErrored, a.State())
		}
		return fmt.Errorf("retry %s: %w", slot, err)
	}
	r.startDriver(a)
	return nil
}

// chainEvent names a Marketplace event for Reactions.
func chainEvent(ev marketplace.Event) (kind string, ok bool) {
	switch ev.(type) {
	case *marketplace.SlotFilled, marketplace.SlotFilled:
		return ChainSlotFilled, true
	case *marketplace.SlotFreed, marketplace.SlotFreed:
		return ChainSlotFreed, true
	case *marketplace.RequestFulfilled, marketplace.RequestFulfilled:
		return ChainRequestFulfilled, true
	case *marketplace.RequestCancelled, marketplace.RequestCancelled:
		return ChainRequestCancelled, true
	case *marketplace.RequestFailed, marketplace.RequestFailed:
		return ChainRequestFailed, true
	}
	return "", false
}

// Dispatch hands a chain event about slot to its agent, which reacts as
// Reactions says: it interrupts the running side effect and fires an
// event, or runs the side effect again. It reports whether the agent
// took the event (false: no agent, nothing to do in its state, or an
// event that left the canonical chain). It never blocks on I/O, so the
// chain handler can call it inside its transaction; since it is a hint
// (side effects read the chain themselves), losing it in a crash is
// harmless.
func (r *Agents) Dispatch(slot persist.ID, ev marketplace.Event) bool {
	kind, ok := chainEvent(ev)
	if !ok || ev.Where().Removed {
		return false
	}
	a := r.Get(slot)
	if a == nil {
		return false
	}
	return r.wakeParked(a, a.notify(note{kind: kind, block: ev.Where().Block, detail: fmt.Sprintf("%s in block %d", kind, ev.Where().Block)}))
}

// wakeParked starts a driver for an agent that took a note while parked
// in a Scheduled state (a no-op when it has one).
func (r *Agents) wakeParked(a *Agent, took bool) bool {
	if took && len(r.sched) > 0 {
		r.startDriver(a)
	}
	return took
}

// Tell hands the slot's agent a chain fact that came with no event, as
// kind (one of the Chain* names: ChainRequestCancelled for a request whose
// expiry passed, say), seen at block: the agent reacts as Reactions says,
// as it does to Dispatch. It reports whether the agent took it.
func (r *Agents) Tell(slot persist.ID, kind string, block uint64, detail string) bool {
	a := r.Get(slot)
	if a == nil {
		return false
	}
	return r.wakeParked(a, a.notify(note{kind: kind, block: block, detail: detail}))
}

// DispatchRequest hands a chain event about a request to the agents of
// all its slots and returns how many took it.
func (r *Agents) DispatchRequest(request persist.ID, ev marketplace.Event) int {
	r.mu.Lock()
	m := r.byReq[request]
	slots := make([]persist.ID, 0, len(m))
	for id := range m {
		slots = append(slots, id)
	}
	r.mu.Unlock()
	n := 0
	for _, id := range slots {
		if r.Dispatch(id, ev) {
			n++
		}
	}
	return n
}

// HandleEvent routes a Marketplace event to the agents it concerns (one
// subscription per node, not per agent): slot events to the slot's agent,
// request events to its slots' agents. It returns how many took it.
func (r *Agents) HandleEvent(ev marketplace.Event) int {
	switch e := ev.(type) {
	case *marketplace.SlotFilled:
		return r.dispatchSlot(e.RequestID, e.SlotIndex, ev)
	case marketplace.SlotFilled:
		return r.dispatchSlot(e.RequestID, e.SlotIndex, ev)
	case *marketplace.SlotFreed:
		return r.dispatchSlot(e.RequestID, e.SlotIndex, ev)
	case marketplace.SlotFreed:
		return r.dispatchSlot(e.RequestID, e.SlotIndex, ev)
	case *marketplace.RequestFulfilled:
		return r.DispatchRequest(persist.ID(e.RequestID), ev)
	case marketplace.RequestFulfilled:
		return r.DispatchRequest(persist.ID(e.RequestID), ev)
	case *marketplace.RequestCancelled:
		return r.DispatchRequest(persist.ID(e.RequestID), ev)
	case marketplace.RequestCancelled:
		return r.DispatchRequest(persist.ID(e.RequestID), ev)
	case *marketplace.RequestFailed:
		return r.DispatchRequest(persist.ID(e.RequestID), ev)
	case marketplace.RequestFailed:
		return r.DispatchRequest(persist.ID(e.RequestID), ev)
	}
	return 0
}

func (r *Agents) dispatchSlot(req marketplace.RequestID, index uint64, ev marketplace.Event) int {
	if r.Dispatch(persist.ID(marketplace.GetSlotID(req, index)), ev) {
		return 1
	}
	return 0
}

func (r *Agents) startDriver(a *Agent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.startDriverLocked(a)
}

// startDriverLocked starts a's driver unless it has one, the registry is
// not running, or a has no side effect to run.
func (r *Agents) startDriverLocked(a *Agent) {
	if r.phase != phaseRunning || r.agents[a.id] != a {
		return
	}
	a.mu.Lock()
	if a.driving || !IsLive(a.sm.Current()) || a.parkedLocked() {
		a.mu.Unlock()
		return
	}
	a.driving = true
	a.mu.Unlock()
	r.wg.Add(1)
	go r.drive(a)
}

// keepDriving decides, under a.mu (as startDriver does), whether the
// driver goes on: it stops when the agent has nothing to run.
func (a *Agent) keepDriving(ctx context.Context) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if ctx.Err() != nil || !IsLive(a.sm.Current()) || a.parkedLocked() {
		a.driving = false
		return false
	}
	return true
}

// parkedLocked: the agent waits in a Scheduled state with no note to
// react to, so it needs no driver. It runs under a.mu.
func (a *Agent) parkedLocked() bool {
	return len(a.inbox) == 0 && slices.Contains(a.r.sched, a.sm.Current())
}

// Scheduled reports whether state's side effect is run from outside the
// registry (Options.Scheduled).
func (r *Agents) Scheduled(state string) bool { return slices.Contains(r.sched, state) }

// Settle ends the slot's agent's stay in state (one of Options.Scheduled)
// with the outcome its outside driver found, as the driver would for a
// side effect's Step: the event EventFor names is fired and journaled at
// st.Block (0: Head). ErrNoAgent if the slot has no agent; nothing
// happens if it has left state meanwhile.
func (r *Agents) Settle(ctx context.Context, slot persist.ID, state string, st Step) error {
	a := r.Get(slot)
	if a == nil {
		return fmt.Errorf("settle %s: %w", slot, ErrNoAgent)
	}
	ev, ok := EventFor(state, st.Outcome)
	if !ok {
		return fmt.Errorf("settle %s: %w: outcome %v in state %q", slot, ErrInvalidEvent, st.Outcome, state)
	}
	block := st.Block
	if block == 0 {
		block = r.head()
	}
	if err := a.fire(ctx, state, ev, st.Detail, block); err != nil && !errors.Is(err, errStale) {
		return err
	}
	r.startDriver(a)
	return nil
}

// drive runs the agent: the side effect of its state, then the event its
// outcome maps to, until it reaches an end state or Errored, or the
// registry stops.
func (r *Agents) drive(a *Agent) {
	defer r.wg.Done()
	ctx := r.ctx
	for a.keepDriving(ctx) {
		state := a.State()
		if n, ok := a.nextNote(); ok {
			r.react(ctx, a, state, n)
			continue
		}
		ectx, cancel := context.WithCancel(ctx)
		if !a.beginEffect(state, cancel) {
			cancel()
			continue
		}
		step, err := runEffect(ectx, r.fx, state, a)
		cancel()
		if a.endEffect(state) || ctx.Err() != nil {
			continue // a chain event or Fire interrupted it; the loop sees which
		}
		if err != nil {
			if retried(err) || errors.Is(err, context.Canceled) {
				n := a.failed(err)
				r.log.Warn("side effect failed; retrying", "slotId", a.id, "state", state, "attempt", n, "error", err)
				r.wait(ctx, a, n)
				continue
			}
			r.log.Error("side effect failed permanently", "slotId", a.id, "state", state, "error", err)
			r.fireOrWait(ctx, a, state, EvError, err.Error(), r.head())
			continue
		}
		ev, ok := EventFor(state, step.Outcome)
		if !ok {
			r.fireOrWait(ctx, a, state, EvError, fmt.Sprintf("%s side effect returned outcome %v", state, step.Outcome), r.head())
			continue
		}
		block := step.Block
		if block == 0 {
			block = r.head()
		}
		r.fireOrWait(ctx, a, state, ev, step.Detail, block)
	}
}

// react applies a dispatched chain event.
func (r *Agents) react(ctx context.Context, a *Agent, state string, n note) {
	switch ev := Reaction(n.kind, state); ev {
	case "", Recheck:
		// Nothing, or run the side effect again: the loop does.
	default:
		if !r.fireOrWait(ctx, a, state, ev, n.detail, n.block) {
			a.requeueNote(n)
		}
	}
}

// fireOrWait fires and, if the commit failed, logs it and backs off; the
// loop then runs the side effect (or the reaction) again. It reports
// whether the event was fired (or is moot).
func (r *Agents) fireOrWait(ctx context.Context, a *Agent, state, event, detail string, block uint64) bool {
	err := a.fire(ctx, state, event, detail, block)
	if err == nil || errors.Is(err, errStale) {
		return true
	}
	n := a.failed(err)
	r.log.Error("could not commit transition; retrying", "slotId", a.id, "state", state, "event", event, "attempt", n, "error", err)
	r.wait(ctx, a, n)
	return false
}

// wait waits after the n-th failure in a row: MinBackoff doubling up
// to MaxBackoff, drawn from the upper half of that. A chain event for the
// agent or ctx ends the wait early.
func (r *Agents) wait(ctx context.Context, a *Agent, n int) {
	select {
	case <-a.wake: // left by a note the loop has handled already
	default:
	}
	a.mu.Lock()
	waiting := len(a.inbox) > 0
	a.mu.Unlock()
	if waiting {
		return
	}
	t := time.NewTimer(r.backoff.Delay(n))
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-a.wake:
	case <-t.C:
	}
}
