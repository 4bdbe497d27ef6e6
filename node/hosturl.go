package node

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/node/outage"
)

// recordHostURL makes the chain's host URL registry say where this host
// serves slot data (its --public-url), so clients and repairing hosts find
// it from the chain alone. It sends only when the chain says otherwise,
// and retries through RPC outages until it is done or ctx ends; a refusal
// by the contract is logged and left.
func (n *Node) recordHostURL(ctx context.Context) {
	url := n.cfg.DataURL()
	err := outage.Retry(ctx, n.log, "recording our data URL on chain", n.cfg.Poll, retryWaitMax, isContractError, func(ctx context.Context) error {
		have, err := n.market.HostURL(ctx, n.market.Account())
		if err != nil {
			return fmt.Errorf("read our host url: %w", err)
		}
		if have == url {
			return nil
		}
		if _, err := n.market.SetHostURL(ctx, url); err != nil {
			return fmt.Errorf("set our host url: %w", err)
		}
		n.log.Info("recorded our data URL on chain", "url", url, "was", have)
		return nil
	})
	if err != nil && ctx.Err() == nil {
		n.log.Warn("the chain refused our data URL; clients will not find this host from the chain", "url", url, "err", err)
	}
}

// retryWaitMax caps the wait between attempts to record the URL.
const retryWaitMax = 30 * time.Second

func isContractError(err error) bool {
	var ce *contracts.ContractError
	return errors.As(err, &ce)
}
