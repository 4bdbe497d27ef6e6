package node

import (
	"github.com/slotd/slotd/persist"
)

// ValidatorStatus is the validator's part of the status document: what it
// watches and has done, from the store and the validator.
type ValidatorStatus struct {
	Watched int `json:"watched"` // slots of its group on the watch list
	// Due is how many watched slots have a period ended and not yet
	// decided (as of the cursor's time): a backlog that stays high means
	// the marks are not keeping up.
	Due   int `json:"due"`
	Marks int `json:"marks"` // proofs marked missing since start
	// Rewards is what those marks paid, in token units (decimal).
	Rewards string `json:"rewards"`
	Groups  uint64 `json:"groups,omitempty"`
	Group   uint64 `json:"group,omitempty"`
}

// LedgerStatus counts the ledger's requests by state at the cursor's time,
// and its filled slots.
type LedgerStatus struct {
	Requests    map[string]int `json:"requests"`
	FilledSlots int            `json:"filledSlots"`
	Time        uint64         `json:"time"` // the cursor's block time the states are computed at
}

// ledgerStatus reads the ledger and the watch list in one view; the
// validator's part is nil on a node without the role.
func (n *Node) ledgerStatus() (*LedgerStatus, *ValidatorStatus, error) {
	ls := &LedgerStatus{Requests: map[string]int{}}
	var vs *ValidatorStatus
	var period uint64
	if n.valid != nil {
		vs = &ValidatorStatus{Marks: n.valid.Marks(), Rewards: n.valid.Rewards().String(), Groups: n.cfg.ValidatorGroups, Group: n.cfg.ValidatorGroup}
		period = n.valid.Period()
	}
	err := n.store.View(func(tx *persist.Tx) error {
		if c, err := tx.Cursor(); err == nil {
			ls.Time = c.Time
		}
		if err := tx.ForEachLedgerRequest(func(r persist.LedgerRequest) error {
			ls.Requests[r.State(ls.Time)]++
			return nil
		}); err != nil {
			return err
		}
		if err := tx.ForEachLedgerSlot(persist.ID{}, func(s persist.LedgerSlot) error {
			if s.Filled {
				ls.FilledSlots++
			}
			return nil
		}); err != nil {
			return err
		}
		if vs == nil {
			return nil
		}
		return tx.ForEachWatchedSlot(func(w persist.WatchedSlot) error {
			vs.Watched++
			if period > 0 && w.Next < ls.Time/period {
				vs.Due++
			}
			return nil
		})
	})
	return ls, vs, err
}
