package contracts

import (
	"github.com/slotd/slotd/contracts/bindings"
	"github.com/slotd/slotd/contracts/marketplace"
)

// The bindings' structs and marketplace's have the same fields; the flat ones
// convert directly (so a field added to the contract breaks the build here),
// the nested ones field by field.

// BindingRequest is r as the bindings' Pack functions take it.
func BindingRequest(r marketplace.Request) bindings.Request {
	return bindings.Request{Client: r.Client, Ask: bindings.Ask(r.Ask), Content: bindings.Content(r.Content), Expiry: r.Expiry, Nonce: r.Nonce}
}

func fromBindingRequest(r bindings.Request) marketplace.Request {
	return marketplace.Request{Client: r.Client, Ask: marketplace.Ask(r.Ask), Content: marketplace.Content(r.Content), Expiry: r.Expiry, Nonce: r.Nonce}
}

func toBindingConfig(c marketplace.Config) bindings.MarketplaceConfig {
	return bindings.MarketplaceConfig{
		Collateral:           bindings.CollateralConfig(c.Collateral),
		Proofs:               bindings.ProofConfig(c.Proofs),
		Reservations:         bindings.SlotReservationsConfig(c.Reservations),
		RequestDurationLimit: c.RequestDurationLimit,
	}
}

func fromBindingConfig(c bindings.MarketplaceConfig) marketplace.Config {
	return marketplace.Config{
		Collateral:           marketplace.CollateralConfig(c.Collateral),
		Proofs:               marketplace.ProofConfig(c.Proofs),
		Reservations:         marketplace.ReservationsConfig(c.Reservations),
		RequestDurationLimit: c.RequestDurationLimit,
	}
}

// BindingProof is p as the bindings' Pack functions take it, for callers
// that pack submitProof or fillSlot calldata themselves.
func BindingProof(p marketplace.Proof) bindings.Proof { return bindings.Proof(p) }

func fromBindingStatuses(s []bindings.MarketplaceSlotStatus) []marketplace.SlotStatus {
	if s == nil {
		return nil
	}
	out := make([]marketplace.SlotStatus, len(s))
	for i, st := range s {
		out[i] = marketplace.SlotStatus(st)
	}
	return out
}
