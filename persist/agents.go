package persist

import (
	"errors"
	"fmt"
	"time"
)

// Agent is the persisted state of one sales agent (one slot this node is
// selling or holds). It changes State only through Tx.Transition, which
// journals the change in the same transaction.
type Agent struct {
	SlotID         ID     `json:"slotId,omitzero"` // the key; not repeated in the value
	RequestID      ID     `json:"requestId"`
	SlotIndex      uint64 `json:"slotIndex"`
	State          string `json:"state"`
	Seq            uint64 `json:"seq"` // seq of the last journal entry
	AvailabilityID uint64 `json:"availabilityId"`
	Reserved       uint64 `json:"reserved"` // bytes reserved for the slot
	// SlotSize is what the sale reserves; Reserved drops to 0 while an
	// agent Errored before its fill holds none, and a retry takes SlotSize
	// again. 0 in records older than the field.
	SlotSize uint64    `json:"slotSize,omitempty"`
	Reason   string    `json:"reason"` // why it is Errored/Failed
	Updated  time.Time `json:"updated"`
	Block    uint64    `json:"block"` // chain block of the last transition
}

// Agent returns the agent for slot, or ErrNotFound.
func (tx *Tx) Agent(slot ID) (Agent, error) {
	var a Agent
	if err := tx.get(bucketAgents, slot[:], &a); err != nil {
		return Agent{}, err
	}
	a.SlotID = slot
	return a, nil
}

// Transition moves the agent a.SlotID from e.From to e.To. It checks that
// the stored state is e.From ("" when the slot has no agent yet) and fails
// with ErrConflict otherwise, so two racing transitions cannot both
// commit. It appends e to the slot's journal with the next sequence number
// and stores a with State, Seq, Updated and Block taken from e; on return
// a and e hold what was written. Do it in the same Update as the
// transition's queue, reservation and cursor changes.
func (tx *Tx) Transition(a *Agent, e *JournalEntry) error {
	if a.SlotID.IsZero() {
		return errors.New("transition: agent has no slot id")
	}
	if e.To == "" {
		return fmt.Errorf("transition %s: empty target state", a.SlotID)
	}
	cur, err := tx.agentState(a.SlotID)
	if err != nil {
		return err
	}
	if e.From != cur {
		return fmt.Errorf("transition %s %q→%q: %w: stored state is %q", a.SlotID, e.From, e.To, ErrConflict, cur)
	}
	last, err := tx.lastJournalSeq(a.SlotID)
	if err != nil {
		return err
	}
	e.SlotID, e.Seq = a.SlotID, last+1
	a.State, a.Seq, a.Updated, a.Block = e.To, e.Seq, e.Time, e.Block
	if err := tx.putJournal(e); err != nil {
		return err
	}
	return tx.putAgent(a)
}

// agentState is the stored state of slot's agent, "" if it has none. It
// decodes only that field: Transition runs on every state change.
func (tx *Tx) agentState(slot ID) (string, error) {
	b, err := tx.bucket(bucketAgents)
	if err != nil {
		return "", err
	}
	data := b.Get(slot[:])
	if data == nil {
		return "", nil
	}
	return stateOf(slot[:], data)
}

// AgentStates counts the agents in each state. It decodes only the state
// field, so /metrics can call it on every scrape of a large store.
func (tx *Tx) AgentStates() (map[string]int, error) {
	b, err := tx.bucket(bucketAgents)
	if err != nil {
		return nil, err
	}
	n := map[string]int{}
	err = b.ForEach(func(k, data []byte) error {
		st, err := stateOf(k, data)
		n[st]++
		return err
	})
	return n, err
}

// stateOf reads the state field of an encoded agent.
func stateOf(key, data []byte) (string, error) {
	return readString(bucketAgents, key, data, stateField)
}

func (tx *Tx) putAgent(a *Agent) error {
	v := *a
	v.SlotID = ID{}
	return tx.put(bucketAgents, a.SlotID[:], v)
}

// ForEachAgent streams every agent in slot id order.
func (tx *Tx) ForEachAgent(fn func(Agent) error) error {
	return scan(tx, bucketAgents, nil, func(k []byte, a *Agent) error {
		id, err := idFromKey(k)
		if err != nil {
			return err
		}
		a.SlotID = id
		return fn(*a)
	})
}
