package node

import (
	"github.com/slotd/slotd/persist"
)

// alertStuckBlocks is how many blocks a transaction of ours may stay
// pending before the tx-stuck alert. 25 blocks is 5 minutes at mainnet's
// 12 s: past the tx manager's first fee bump (BumpAfter, 3 minutes) and
// its rebroadcasts (every minute), which are its own remedy, so the alert
// fires only when those did not help; and every later transaction of ours
// (proofs too) waits behind that nonce, so waiting much longer costs
// missed proofs.
const alertStuckBlocks = 25

// PendingTx is a transaction of ours not yet mined, and for how many
// blocks the node has seen it pending.
type PendingTx struct {
	Purpose string     `json:"purpose"`
	Nonce   uint64     `json:"nonce"`
	Hash    persist.ID `json:"hash"`
	Blocks  uint64     `json:"blocks"`
}

// pendingSeen is the head at which a purpose's nonce was first seen
// pending (fee bumps keep the nonce, so they do not restart the count).
type pendingSeen struct {
	nonce uint64
	head  uint64
}

// pendingTxs lists the store's pending transactions, each with the blocks
// since this node first saw it pending at head. The count starts at the
// first report after a start (status, the dashboard or the webhook's
// poll): a transaction stuck across a restart is counted anew.
func (n *Node) pendingTxs(head uint64) ([]PendingTx, error) {
	var out []PendingTx
	err := n.store.View(func(tx *persist.Tx) error {
		return tx.ForEachTxRecord(func(r persist.TxRecord) error {
			if r.Status == persist.TxPending {
				out = append(out, PendingTx{Purpose: r.Purpose, Nonce: r.Nonce, Hash: r.Hash})
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	n.rep.mu.Lock()
	defer n.rep.mu.Unlock()
	next := make(map[string]pendingSeen, len(out))
	for i, p := range out {
		seen, ok := n.rep.pending[p.Purpose]
		if !ok || seen.nonce != p.Nonce || seen.head > head {
			seen = pendingSeen{nonce: p.Nonce, head: head}
		}
		next[p.Purpose] = seen
		out[i].Blocks = head - seen.head
	}
	n.rep.pending = next // settled ones drop out
	return out, nil
}
