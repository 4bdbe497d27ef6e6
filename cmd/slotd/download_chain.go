package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/node/datastore"
	"github.com/slotd/slotd/node/transfer"
)

// chainReader is what a download reads of the Marketplace to find a
// dataset's hosts.
type chainReader interface {
	GetRequest(ctx context.Context, id contracts.RequestID) (contracts.Request, error)
	GetHost(ctx context.Context, slot contracts.SlotID) (common.Address, error)
	HostURL(ctx context.Context, host common.Address) (string, error)
	PastEvents(ctx context.Context, from, to uint64, fn func(last uint64, events []contracts.Event) error) error
}

// readOnlySender signs nothing: a download only reads the chain.
type readOnlySender struct{}

func (readOnlySender) From() common.Address { return common.Address{} }
func (readOnlySender) Send(context.Context, string, *common.Address, []byte) (*types.Receipt, error) {
	return nil, errors.New("slotd download sends no transactions")
}

// dialMarket connects to the Marketplace at addr over rpc, read-only.
func dialMarket(ctx context.Context, rpc, addr string) (*contracts.EthMarket, *ethclient.Client, error) {
	if !common.IsHexAddress(addr) {
		return nil, nil, fmt.Errorf("--marketplace must be the Marketplace's 0x address (got %q)", addr)
	}
	c, err := ethclient.DialContext(ctx, rpc)
	if err != nil {
		return nil, nil, fmt.Errorf("connect to %s: %w", rpc, err)
	}
	return contracts.NewEthMarket(c, readOnlySender{}, common.HexToAddress(addr)), c, nil
}

// chainProviders resolves arg, a request id or a dataset's CID, to the CID
// and the URLs that serve its slots: each filled slot's host's URL from the
// chain's registry, then the providers the request names (the client's).
// A CID is looked up among the requests made since block from; every
// request of that content counts.
func chainProviders(ctx context.Context, m chainReader, arg common.Hash, from, head uint64) (datastore.CID, []string, error) {
	reqs, err := requestsFor(ctx, m, arg, from, head)
	if err != nil {
		return datastore.CID{}, nil, err
	}
	var cid datastore.CID
	var providers []string
	for _, r := range reqs {
		cid = datastore.CID(r.Content.MerkleRoot)
		id, err := contracts.GetRequestID(r)
		if err != nil {
			return cid, nil, err
		}
		for i := range r.Ask.Slots {
			host, err := m.GetHost(ctx, contracts.GetSlotID(id, i))
			if err != nil {
				return cid, nil, fmt.Errorf("host of slot %d of request %s: %w", i, id, err)
			}
			if host == (common.Address{}) {
				continue
			}
			url, err := m.HostURL(ctx, host)
			if err != nil {
				return cid, nil, fmt.Errorf("url of host %s: %w", host, err)
			}
			if u, err := transfer.CleanProviderURL(url); err == nil {
				providers = transfer.MergeProviders(providers, []string{u})
			}
		}
		named, _ := transfer.DecodeProviders(r.Content.Cid)
		providers = transfer.MergeProviders(providers, named)
	}
	return cid, providers, nil
}

// requestsFor is arg's request if arg is a request id the chain knows, or
// else every request since block from whose content is arg.
func requestsFor(ctx context.Context, m chainReader, arg common.Hash, from, head uint64) ([]contracts.Request, error) {
	r, err := m.GetRequest(ctx, contracts.RequestID(arg))
	if err == nil {
		return []contracts.Request{r}, nil
	}
	if !errors.Is(err, contracts.ErrUnknownRequest) {
		return nil, fmt.Errorf("read request %s: %w", arg, err)
	}
	var out []contracts.Request
	err = m.PastEvents(ctx, from, head, func(_ uint64, evs []contracts.Event) error {
		for _, ev := range evs {
			sr, ok := ev.(*contracts.StorageRequested)
			if !ok {
				continue
			}
			r, err := m.GetRequest(ctx, sr.RequestID)
			if err != nil {
				return fmt.Errorf("read request %s: %w", sr.RequestID, err)
			}
			if r.Content.MerkleRoot == arg {
				out = append(out, r)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s is neither a request nor the content of one made since block %d", arg.Hex(), from)
	}
	return out, nil
}
