// Package contracts holds slotd's Marketplace contract: its Solidity sources
// and pinned build, the generated bindings, the Market interface the node uses
// to talk to it, and (in package proof) the storage-proof format. The types
// the node speaks of the chain live in package marketplace, which links no
// chain client; this package converts them at the bindings and aliases them.
package contracts

import (
	"math/big"

	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/node"
	"github.com/ethereum/go-ethereum/params"
)

// DevChainConfig is go-ethereum's dev chain config on the forks mainnet runs
// today (through Osaka). The library's default also enables draft future forks
// whose storage pricing is 2–3× higher, which would skew every gas figure.
func DevChainConfig() *params.ChainConfig {
	c := *params.AllDevChainProtocolChanges
	c.ChainID = new(big.Int).Set(params.AllDevChainProtocolChanges.ChainID)
	c.BogotaTime = nil
	c.AmsterdamTime = nil
	return &c
}

// WithDevChainConfig is an ethclient/simulated option that puts the simulated
// backend on DevChainConfig.
func WithDevChainConfig() func(*node.Config, *ethconfig.Config) {
	return func(_ *node.Config, eth *ethconfig.Config) {
		eth.Genesis.Config = DevChainConfig()
	}
}
