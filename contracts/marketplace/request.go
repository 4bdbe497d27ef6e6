package marketplace

import (
	"fmt"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/crypto"
)

// requestArgs encodes a Request as the one tuple the contract hashes. It is
// written out here, not read from the bindings, so that this package links no
// chain client; a test in contracts checks it encodes as the binding does.
var requestArgs = func() abi.Arguments {
	t, err := abi.NewType("tuple", "struct Request", []abi.ArgumentMarshaling{
		{Name: "client", Type: "address"},
		{Name: "ask", Type: "tuple", InternalType: "struct Ask", Components: []abi.ArgumentMarshaling{
			{Name: "slots", Type: "uint64"},
			{Name: "slotSize", Type: "uint64"},
			{Name: "duration", Type: "uint64"},
			{Name: "maxSlotLoss", Type: "uint64"},
			{Name: "proofProbability", Type: "uint256"},
			{Name: "pricePerBytePerSecond", Type: "uint256"},
			{Name: "collateralPerByte", Type: "uint256"},
		}},
		{Name: "content", Type: "tuple", InternalType: "struct Content", Components: []abi.ArgumentMarshaling{
			{Name: "cid", Type: "bytes"},
			{Name: "merkleRoot", Type: "bytes32"},
		}},
		{Name: "expiry", Type: "uint64"},
		{Name: "nonce", Type: "bytes32"},
	})
	if err != nil {
		panic(fmt.Sprintf("request tuple type: %v", err)) // a constant; any test covers it
	}
	return abi.Arguments{{Type: t}}
}()

// GetRequestID is keccak256(abi.encode(request)), as the contract computes it.
func GetRequestID(r Request) (RequestID, error) {
	enc, err := EncodeRequest(r)
	if err != nil {
		return RequestID{}, err
	}
	return RequestID(crypto.Keccak256Hash(enc)), nil
}

// EncodeRequest is abi.encode(request): what the contract hashes into the id,
// and what a client persists to re-send the very same request.
func EncodeRequest(r Request) ([]byte, error) {
	enc, err := requestArgs.Pack(r)
	if err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	return enc, nil
}

// DecodeRequest reverses EncodeRequest.
func DecodeRequest(b []byte) (Request, error) {
	vals, err := requestArgs.Unpack(b)
	if err != nil {
		return Request{}, fmt.Errorf("decode request: %w", err)
	}
	r, ok := abi.ConvertType(vals[0], new(Request)).(*Request)
	if !ok {
		return Request{}, fmt.Errorf("decode request: unexpected %T", vals[0])
	}
	return *r, nil
}
