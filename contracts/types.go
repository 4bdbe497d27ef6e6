package contracts

import (
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/slotd/slotd/contracts/bindings"
)

// The request and its parts are the contract's own ABI types.
type (
	Request            = bindings.Request
	Ask                = bindings.Ask
	Content            = bindings.Content
	Proof              = bindings.Proof
	Config             = bindings.MarketplaceConfig
	CollateralConfig   = bindings.CollateralConfig
	ProofConfig        = bindings.ProofConfig
	SlotInfo           = bindings.MarketplaceSlotInfo
	ReservationsConfig = bindings.SlotReservationsConfig
	// SlotStatus is one slot's entry in a SlotStatuses read.
	SlotStatus = bindings.MarketplaceSlotStatus
	RequestID  = common.Hash
	SlotID     = common.Hash
)

// RequestState mirrors the contract's enum.
type RequestState uint8

const (
	RequestStateNew RequestState = iota
	RequestStateStarted
	RequestStateCancelled
	RequestStateFinished
	RequestStateFailed
)

var requestStateNames = [...]string{"New", "Started", "Cancelled", "Finished", "Failed"}

func (s RequestState) String() string {
	if int(s) < len(requestStateNames) {
		return requestStateNames[s]
	}
	return fmt.Sprintf("RequestState(%d)", uint8(s))
}

// SlotState mirrors the contract's enum.
type SlotState uint8

const (
	SlotStateFree SlotState = iota
	SlotStateFilled
	SlotStateFinished
	SlotStateFailed
	SlotStatePaid
	SlotStateCancelled
	SlotStateRepair
)

var slotStateNames = [...]string{"Free", "Filled", "Finished", "Failed", "Paid", "Cancelled", "Repair"}

func (s SlotState) String() string {
	if int(s) < len(slotStateNames) {
		return slotStateNames[s]
	}
	return fmt.Sprintf("SlotState(%d)", uint8(s))
}

// requestArgs encodes a Request as the one tuple the contract hashes.
var requestArgs = func() abi.Arguments {
	m := bindings.NewMarketplace().GetABI()
	return abi.Arguments{{Type: m.Methods["requestStorage"].Inputs[0].Type}}
}()

// GetRequestID is keccak256(abi.encode(request)), as the contract computes it.
func GetRequestID(r Request) (RequestID, error) {
	enc, err := EncodeRequest(r)
	if err != nil {
		return RequestID{}, err
	}
	return crypto.Keccak256Hash(enc), nil
}

// GetSlotID is keccak256(abi.encode(requestId, slotIndex)).
func GetSlotID(requestID RequestID, index uint64) SlotID {
	var enc [64]byte
	copy(enc[:32], requestID[:])
	new(big.Int).SetUint64(index).FillBytes(enc[32:])
	return crypto.Keccak256Hash(enc[:])
}

// Deposit is what a client pays up front: slots × slotSize × duration × price.
func Deposit(a Ask) *big.Int {
	d := new(big.Int).SetUint64(a.Slots)
	d.Mul(d, new(big.Int).SetUint64(a.SlotSize))
	d.Mul(d, new(big.Int).SetUint64(a.Duration))
	return d.Mul(d, a.PricePerBytePerSecond)
}

// SlotCollateral is what a host locks to fill one slot.
func SlotCollateral(a Ask) *big.Int {
	return new(big.Int).Mul(a.CollateralPerByte, new(big.Int).SetUint64(a.SlotSize))
}

// DefaultConfig is the deployment slotd's tools use unless told otherwise;
// samples is 3 because each sample of a 1 GiB slot costs about 38k gas of
// calldata under EIP-7623 (see the gas report in the README). Reservations,
// the repair reward and the duration limit are Codex's defaults.
func DefaultConfig() Config {
	return Config{
		Collateral:           CollateralConfig{SlashPercentage: 10, ValidatorRewardPercentage: 20, MaxNumberOfSlashes: 3, RepairRewardPercentage: 10},
		Proofs:               ProofConfig{Period: 60, Timeout: 30, Downtime: 64, DowntimeProduct: 67, Samples: 3},
		Reservations:         ReservationsConfig{MaxReservations: 3},
		RequestDurationLimit: DefaultRequestDurationLimit,
	}
}

// DefaultRequestDurationLimit is 30 days.
const DefaultRequestDurationLimit = 30 * 24 * 3600

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
