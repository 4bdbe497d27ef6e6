package marketplace

import (
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
)

// Request is the contract's Request: what a client asks the network to store.
type Request struct {
	Client  common.Address
	Ask     Ask
	Content Content
	Expiry  uint64
	Nonce   [32]byte
}

// Ask is the contract's Ask: the shape and price of a request.
type Ask struct {
	Slots                 uint64
	SlotSize              uint64
	Duration              uint64
	MaxSlotLoss           uint64
	ProofProbability      *big.Int
	PricePerBytePerSecond *big.Int
	CollateralPerByte     *big.Int
}

// Content is the contract's Content: where the data is and its Merkle root.
type Content struct {
	Cid        []byte
	MerkleRoot [32]byte
}

// Proof is the contract's Proof: the sampled cells and their Merkle paths.
type Proof struct {
	Cells []byte
	Path  [][32]byte
}

// Config is the contract's MarketplaceConfig, fixed at deployment.
type Config struct {
	Collateral           CollateralConfig
	Proofs               ProofConfig
	Reservations         ReservationsConfig
	RequestDurationLimit uint64
}

// CollateralConfig is the contract's CollateralConfig.
type CollateralConfig struct {
	SlashPercentage           uint8
	ValidatorRewardPercentage uint8
	MaxNumberOfSlashes        uint8
	RepairRewardPercentage    uint8
}

// ProofConfig is the contract's ProofConfig.
type ProofConfig struct {
	Period          uint64
	Timeout         uint64
	Downtime        uint8
	DowntimeProduct uint8
	Samples         uint16
}

// ReservationsConfig is the contract's SlotReservationsConfig.
type ReservationsConfig struct {
	MaxReservations uint8
}

// SlotInfo is the contract's Marketplace.SlotInfo, what getSlot returns.
type SlotInfo struct {
	RequestId    [32]byte // spelled as the binding spells it
	SlotIndex    uint64
	Host         common.Address
	FilledAt     uint64
	Root         [32]byte
	Collateral   *big.Int
	Slashes      *big.Int
	State        uint8
	Reservations *big.Int
}

// SlotStatus is one slot's entry in a slotStatuses read.
type SlotStatus struct {
	State               uint8
	Host                common.Address
	MissingProofs       uint64
	Reservations        uint8
	ProofRequired       bool
	WillProofBeRequired bool
	ProofReceived       bool
	Markable            bool
	Pointer             uint8
	Challenge           [32]byte
}

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
