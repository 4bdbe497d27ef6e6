package contracts

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/ethereum/go-ethereum/accounts/abi"
	bind "github.com/ethereum/go-ethereum/accounts/abi/bind/v2"

	"github.com/slotd/slotd/contracts/bindings"
)

// ContractError is a custom Solidity error decoded from revert data. Match a
// specific one with errors.Is(err, contracts.ErrSlotNotFree).
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

// Transient is false: the contract gave its reason, and the same call gets
// the same answer until the chain moves (retry.Classify reads this).
func (e *ContractError) Transient() bool { return false }

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

// knownErrors maps 4-byte selectors to the ABI errors of both contracts.
var knownErrors = func() map[[4]byte]abi.Error {
	m := map[[4]byte]abi.Error{}
	for _, meta := range []*bind.MetaData{&bindings.MarketplaceMetaData, &bindings.TestTokenMetaData} {
		parsed, err := meta.ParseABI()
		if err != nil {
			panic(fmt.Sprintf("parse generated ABI: %v", err)) // generated code; a test covers it
		}
		for _, e := range parsed.Errors {
			m[[4]byte(e.ID[:4])] = e
		}
	}
	return m
}()

// DecodeRevert turns revert data into a *ContractError, or ErrReverted.
func DecodeRevert(data []byte) error {
	if len(data) < 4 {
		return ErrReverted
	}
	e, ok := knownErrors[[4]byte(data[:4])]
	if !ok {
		return fmt.Errorf("%w with data 0x%x", ErrReverted, data)
	}
	args, err := e.Inputs.Unpack(data[4:])
	if err != nil {
		return fmt.Errorf("%w: undecodable %s: %v", ErrReverted, e.Name, err)
	}
	return &ContractError{Name: e.Name, Args: args}
}

// dataError is what go-ethereum's RPC client returns for a revert.
type dataError interface{ ErrorData() any }

// DecodeCallError keeps err's text and adds the decoded contract error so
// callers can match it; errors that carry no revert data pass through.
func DecodeCallError(err error) error {
	if err == nil {
		return nil
	}
	var de dataError
	if !errors.As(err, &de) {
		return err
	}
	var raw []byte
	switch d := de.ErrorData().(type) {
	case string:
		b, decErr := hex.DecodeString(strings.TrimPrefix(d, "0x"))
		if decErr != nil {
			return err
		}
		raw = b
	case []byte:
		raw = d
	default:
		return err
	}
	return DecodeRevert(raw)
}
