package marketplace

import (
	"errors"
	"fmt"
)

// ContractError is a custom Solidity error decoded from revert data (package
// contracts decodes it). Match a specific one with errors.Is(err,
// marketplace.ErrSlotNotFree).
type ContractError struct {
	Name string
	Args []any
}

func (e *ContractError) Error() string {
	if len(e.Args) == 0 {
		return "contract error " + e.Name
	}
	return fmt.Sprintf("contract error %s%v", e.Name, e.Args)
}

// Is matches by error name, so a sentinel matches any decoded instance.
func (e *ContractError) Is(target error) bool {
	t, ok := target.(*ContractError)
	return ok && t.Name == e.Name
}

// The Marketplace's custom errors, and the token's that a caller can cause.
var (
	ErrInvalidClient         = &ContractError{Name: "InvalidClient"}
	ErrInvalidAsk            = &ContractError{Name: "InvalidAsk"}
	ErrInvalidExpiry         = &ContractError{Name: "InvalidExpiry"}
	ErrInvalidConfig         = &ContractError{Name: "InvalidConfig"}
	ErrRequestAlreadyExists  = &ContractError{Name: "RequestAlreadyExists"}
	ErrUnknownRequest        = &ContractError{Name: "UnknownRequest"}
	ErrInvalidSlotIndex      = &ContractError{Name: "InvalidSlotIndex"}
	ErrSlotNotFree           = &ContractError{Name: "SlotNotFree"}
	ErrRequestNotActive      = &ContractError{Name: "RequestNotActive"}
	ErrInvalidSlotRoot       = &ContractError{Name: "InvalidSlotRoot"}
	ErrInvalidProof          = &ContractError{Name: "InvalidProof"}
	ErrSlotNotFilled         = &ContractError{Name: "SlotNotFilled"}
	ErrNotSlotHost           = &ContractError{Name: "NotSlotHost"}
	ErrProofAlreadySubmitted = &ContractError{Name: "ProofAlreadySubmitted"}
	ErrPeriodNotEnded        = &ContractError{Name: "PeriodNotEnded"}
	ErrValidationTimedOut    = &ContractError{Name: "ValidationTimedOut"}
	ErrProofWasSubmitted     = &ContractError{Name: "ProofWasSubmitted"}
	ErrProofAlreadyMarked    = &ContractError{Name: "ProofAlreadyMarked"}
	ErrProofNotRequired      = &ContractError{Name: "ProofNotRequired"}
	ErrNotClient             = &ContractError{Name: "NotClient"}
	ErrRequestNotEnded       = &ContractError{Name: "RequestNotEnded"}
	ErrAlreadyWithdrawn      = &ContractError{Name: "AlreadyWithdrawn"}
	ErrAlreadyReserved       = &ContractError{Name: "AlreadyReserved"}
	ErrReservationsFull      = &ContractError{Name: "ReservationsFull"}
	ErrNotReserved           = &ContractError{Name: "NotReserved"}
	ErrInvalidRecipient      = &ContractError{Name: "InvalidRecipient"}
	ErrInvalidUrl            = &ContractError{Name: "InvalidUrl"}

	ErrInsufficientAllowance = &ContractError{Name: "ERC20InsufficientAllowance"}
	ErrInsufficientBalance   = &ContractError{Name: "ERC20InsufficientBalance"}
)

// ErrReverted is a revert whose data matches no known error (or has none).
var ErrReverted = errors.New("transaction reverted")
