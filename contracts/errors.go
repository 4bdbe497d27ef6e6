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
