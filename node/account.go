package node

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/slotd/slotd/persist"
)

// ErrNewKey: the node was started with another key than its data dir
// signs for.
var ErrNewKey = errors.New("this data dir signs with another key")

// checkAccount compares the account of the node's key with the one the
// store records, recording it on a store that has none. Another key is
// refused unless AllowNewKey: the store's pending transactions were signed
// at the old account's nonces, which the new account never reaches, so
// whatever waited on them would wait for good. With AllowNewKey the new
// account is recorded and the tx manager, when it starts, settles the old
// key's pending records by receipt or abandons them.
func (n *Node) checkAccount(ctx context.Context) error {
	now := strings.ToLower(n.tx.From().Hex())
	return n.store.Update(ctx, func(tx *persist.Tx) error {
		was, err := tx.Account()
		switch {
		case errors.Is(err, persist.ErrNotFound):
			return tx.SetAccount(now)
		case err != nil:
			return err
		case was == now:
			return nil
		case !n.cfg.AllowNewKey:
			return fmt.Errorf("%w: the data dir %s signs for account %s; this node was started with the key of %s. "+
				"Give the --key this data dir was made with, or start once with --allow-new-key to sign with the new key from now on: "+
				"the old account's pending transactions are then settled by their receipts or abandoned, and their purposes sent anew with the new key "+
				"(what the old account holds on chain, such as filled slots, requests and funds, stays with it)",
				ErrNewKey, n.cfg.DataDir, was, now)
		}
		n.log.Warn("signing with a new key (--allow-new-key): the previous key's pending transactions will be reconciled when the tx manager starts",
			"previous", was, "account", now)
		return tx.SetAccount(now)
	})
}
