package contracts

import (
	"math/big"

	"github.com/slotd/slotd/contracts/marketplace"
)

// The chain's vocabulary lives in package marketplace, which links no chain
// client. These aliases and forwards exist only so that the node's code can
// move over to marketplace gradually; new code imports marketplace.
//
// Left to move (as of #11's second round; not renamed in bulk, to spare
// merges): node/api and node/ledger name only these aliases and could import
// marketplace instead; node/purchasing and node/validator too, but for the
// contracts.Market their MarketChain adapters embed (move the adapters to
// node to free them). node, node/chain, node/devchain, node/txmgr,
// node/sales, cmd/slotd and internal/campaign also need the client side
// (EthMarket, Sender, DecodeLog, Deploy...) and keep importing contracts.
type (
	Request            = marketplace.Request
	Ask                = marketplace.Ask
	Content            = marketplace.Content
	Proof              = marketplace.Proof
	Config             = marketplace.Config
	CollateralConfig   = marketplace.CollateralConfig
	ProofConfig        = marketplace.ProofConfig
	ReservationsConfig = marketplace.ReservationsConfig
	SlotInfo           = marketplace.SlotInfo
	SlotStatus         = marketplace.SlotStatus
	RequestState       = marketplace.RequestState
	SlotState          = marketplace.SlotState
	RequestID          = marketplace.RequestID
	SlotID             = marketplace.SlotID
	ProofClock         = marketplace.ProofClock
	ContractError      = marketplace.ContractError

	Event                = marketplace.Event
	LogRef               = marketplace.LogRef
	StorageRequested     = marketplace.StorageRequested
	SlotFilled           = marketplace.SlotFilled
	SlotFreed            = marketplace.SlotFreed
	RequestFulfilled     = marketplace.RequestFulfilled
	RequestCancelled     = marketplace.RequestCancelled
	RequestFailed        = marketplace.RequestFailed
	ProofSubmitted       = marketplace.ProofSubmitted
	ProofMarkedMissing   = marketplace.ProofMarkedMissing
	SlotReservationsFull = marketplace.SlotReservationsFull
	HostURLSet           = marketplace.HostURLSet
)

const (
	RequestStateNew       = marketplace.RequestStateNew
	RequestStateStarted   = marketplace.RequestStateStarted
	RequestStateCancelled = marketplace.RequestStateCancelled
	RequestStateFinished  = marketplace.RequestStateFinished
	RequestStateFailed    = marketplace.RequestStateFailed

	SlotStateFree      = marketplace.SlotStateFree
	SlotStateFilled    = marketplace.SlotStateFilled
	SlotStateFinished  = marketplace.SlotStateFinished
	SlotStateFailed    = marketplace.SlotStateFailed
	SlotStatePaid      = marketplace.SlotStatePaid
	SlotStateCancelled = marketplace.SlotStateCancelled
	SlotStateRepair    = marketplace.SlotStateRepair

	DefaultRequestDurationLimit = marketplace.DefaultRequestDurationLimit
)

var (
	ErrInvalidClient         = marketplace.ErrInvalidClient
	ErrInvalidAsk            = marketplace.ErrInvalidAsk
	ErrInvalidExpiry         = marketplace.ErrInvalidExpiry
	ErrInvalidConfig         = marketplace.ErrInvalidConfig
	ErrRequestAlreadyExists  = marketplace.ErrRequestAlreadyExists
	ErrUnknownRequest        = marketplace.ErrUnknownRequest
	ErrInvalidSlotIndex      = marketplace.ErrInvalidSlotIndex
	ErrSlotNotFree           = marketplace.ErrSlotNotFree
	ErrRequestNotActive      = marketplace.ErrRequestNotActive
	ErrInvalidSlotRoot       = marketplace.ErrInvalidSlotRoot
	ErrInvalidProof          = marketplace.ErrInvalidProof
	ErrSlotNotFilled         = marketplace.ErrSlotNotFilled
	ErrNotSlotHost           = marketplace.ErrNotSlotHost
	ErrProofAlreadySubmitted = marketplace.ErrProofAlreadySubmitted
	ErrPeriodNotEnded        = marketplace.ErrPeriodNotEnded
	ErrValidationTimedOut    = marketplace.ErrValidationTimedOut
	ErrProofWasSubmitted     = marketplace.ErrProofWasSubmitted
	ErrProofAlreadyMarked    = marketplace.ErrProofAlreadyMarked
	ErrProofNotRequired      = marketplace.ErrProofNotRequired
	ErrNotClient             = marketplace.ErrNotClient
	ErrRequestNotEnded       = marketplace.ErrRequestNotEnded
	ErrAlreadyWithdrawn      = marketplace.ErrAlreadyWithdrawn
	ErrAlreadyReserved       = marketplace.ErrAlreadyReserved
	ErrReservationsFull      = marketplace.ErrReservationsFull
	ErrNotReserved           = marketplace.ErrNotReserved
	ErrInvalidRecipient      = marketplace.ErrInvalidRecipient
	ErrInvalidUrl            = marketplace.ErrInvalidUrl
	ErrInsufficientAllowance = marketplace.ErrInsufficientAllowance
	ErrInsufficientBalance   = marketplace.ErrInsufficientBalance

	ErrReverted      = marketplace.ErrReverted
	ErrRequestBounds = marketplace.ErrRequestBounds
)

// GetRequestID forwards to marketplace.GetRequestID.
func GetRequestID(r Request) (RequestID, error) { return marketplace.GetRequestID(r) }

// GetSlotID forwards to marketplace.GetSlotID.
func GetSlotID(id RequestID, index uint64) SlotID { return marketplace.GetSlotID(id, index) }

// EncodeRequest forwards to marketplace.EncodeRequest.
func EncodeRequest(r Request) ([]byte, error) { return marketplace.EncodeRequest(r) }

// DecodeRequest forwards to marketplace.DecodeRequest.
func DecodeRequest(b []byte) (Request, error) { return marketplace.DecodeRequest(b) }

// Deposit forwards to marketplace.Deposit.
func Deposit(a Ask) *big.Int { return marketplace.Deposit(a) }

// SlotCollateral forwards to marketplace.SlotCollateral.
func SlotCollateral(a Ask) *big.Int { return marketplace.SlotCollateral(a) }

// DefaultConfig forwards to marketplace.DefaultConfig.
func DefaultConfig() Config { return marketplace.DefaultConfig() }

// CheckRequest forwards to marketplace.CheckRequest.
func CheckRequest(r Request, durationLimit uint64) error {
	return marketplace.CheckRequest(r, durationLimit)
}

// MaxUint256 forwards to marketplace.MaxUint256.
func MaxUint256() *big.Int { return marketplace.MaxUint256() }

// MaxSlotCollateral forwards to marketplace.MaxSlotCollateral.
func MaxSlotCollateral() *big.Int { return marketplace.MaxSlotCollateral() }
