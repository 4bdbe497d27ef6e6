package contracts

import (
	"context"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"

	"github.com/slotd/slotd/contracts/bindings"
	"github.com/slotd/slotd/contracts/proof"
)

// Deployment is where a test, the demo or a devnet put the contracts.
type Deployment struct {
	Token       common.Address
	Marketplace common.Address
}

// Deploy deploys the test token and a Marketplace paying in it.
func Deploy(ctx context.Context, s Sender, cfg Config) (Deployment, error) {
	var d Deployment
	tokenCode := common.FromHex(bindings.TestTokenMetaData.Bin)
	rc, err := s.Send(ctx, "deploy:token", nil, tokenCode)
	if err != nil {
		return d, fmt.Errorf("deploy token: %w", err)
	}
	d.Token = rc.ContractAddress
	code := append(common.FromHex(bindings.MarketplaceMetaData.Bin), bindings.NewMarketplace().PackConstructor(d.Token, toBindingConfig(cfg))...)
	rc, err = s.Send(ctx, "deploy:marketplace", nil, code)
	if err != nil {
		return d, fmt.Errorf("deploy marketplace: %w", err)
	}
	d.Marketplace = rc.ContractAddress
	return d, nil
}

// Mint gives `to` amount test tokens (anyone may mint the test token).
func Mint(ctx context.Context, s Sender, token, to common.Address, amount *big.Int) error {
	if _, err := s.Send(ctx, "mint:"+to.Hex(), &token, bindings.NewTestToken().PackMint(to, amount)); err != nil {
		return fmt.Errorf("mint %s to %s: %w", amount, to, err)
	}
	return nil
}

// ToContractProof converts a proof to the contract's calldata shape.
func ToContractProof(p proof.Proof) Proof {
	return Proof{Cells: p.Cells, Path: hashes32(p.Path)}
}
