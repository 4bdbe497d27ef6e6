package node

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/slotd/slotd/persist"
)

// ErrDeployment: the data dir was made for another chain or Marketplace.
var ErrDeployment = errors.New("this data dir belongs to another deployment")

// checkDeployment compares the chain and Marketplace the node was started
// with to those the store records, recording them on a store that has
// none. A mismatch is refused before any role reads the store: its agents,
// cursor and transactions would be applied to the wrong contract.
func (n *Node) checkDeployment(ctx context.Context) error {
	id, err := n.eth.ChainID(ctx)
	if err != nil {
		return fmt.Errorf("read the chain id: %w", err)
	}
	h, err := n.eth.HeaderByNumber(ctx, new(big.Int).SetUint64(n.cfg.StartBlock))
	if err != nil {
		return fmt.Errorf("read block %d (--start-block): %w", n.cfg.StartBlock, err)
	}
	now := persist.Deployment{ChainID: id.Uint64(), Marketplace: strings.ToLower(n.cfg.Marketplace),
		StartBlock: n.cfg.StartBlock, StartHash: h.Hash().Hex()}
	return n.store.Update(ctx, func(tx *persist.Tx) error {
		was, err := tx.Deployment()
		if errors.Is(err, persist.ErrNotFound) {
			return tx.SetDeployment(now)
		} else if err != nil {
			return err
		}
		if was == now {
			return nil
		}
		return fmt.Errorf("%w: the data dir %s was made for chain %d, Marketplace %s, start block %d (hash %s); "+
			"this node was started with chain %d, Marketplace %s, --start-block %d (hash %s). "+
			"Use a fresh --data-dir for the new deployment, or give the --rpc, --marketplace and --start-block this data dir was made with",
			ErrDeployment, n.cfg.DataDir, was.ChainID, was.Marketplace, was.StartBlock, was.StartHash,
			now.ChainID, now.Marketplace, now.StartBlock, now.StartHash)
	})
}
