package fsm

import (
	"fmt"

	"github.com/slotd/slotd/contracts/marketplace"
	"github.com/slotd/slotd/persist"
)

// Routing what the chain says to the agents it concerns: events
// (Dispatch, DispatchRequest, HandleEvent) and facts that came with no
// event (Tell).

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
