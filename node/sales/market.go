package sales

import (
	"context"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/slotd/slotd/contracts"
)

// Market is what the host role asks of the Marketplace: its transactions
// (reserve, fill, prove, collect) and the views that decide them.
// contracts.EthMarket is the real one.
type Market interface {
	Address() common.Address // the Marketplace contract
	Account() common.Address // the host's signing account
	Config(ctx context.Context) (contracts.Config, error)
	Token(ctx context.Context) (common.Address, error)

	// ReserveSlot sends one reservation per attempt: a caller that runs
	// again after a crash passes the same attempt and sends nothing new.
	ReserveSlot(ctx context.Context, id contracts.RequestID, index, attempt uint64) (*types.Receipt, error)
	// ApproveFill approves FillSlot's collateral ahead of it, so the fill
	// goes out in the block it is timed for.
	ApproveFill(ctx context.Context, id contracts.RequestID, index uint64) error
	FillSlot(ctx context.Context, id contracts.RequestID, index uint64, slotRoot common.Hash, rootPath []common.Hash, p contracts.Proof) (*types.Receipt, error)
	SubmitProof(ctx context.Context, slot contracts.SlotID, p contracts.Proof) (*types.Receipt, error)
	// PayoutSlot collects an ended request's slot; it reverts with
	// contracts.ErrRequestNotEnded, never giving the slot up, if it lands
	// before the end (a reorganisation can stamp its block earlier).
	PayoutSlot(ctx context.Context, slot contracts.SlotID) (*types.Receipt, error)

	GetRequest(ctx context.Context, id contracts.RequestID) (contracts.Request, error)
	RequestState(ctx context.Context, id contracts.RequestID) (contracts.RequestState, error)
	RequestExpiry(ctx context.Context, id contracts.RequestID) (uint64, error)
	SlotState(ctx context.Context, slot contracts.SlotID) (contracts.SlotState, error)
	GetSlot(ctx context.Context, slot contracts.SlotID) (contracts.SlotInfo, error)
	GetHost(ctx context.Context, slot contracts.SlotID) (common.Address, error)
	GetChallenge(ctx context.Context, slot contracts.SlotID) (common.Hash, error)
	IsReserved(ctx context.Context, slot contracts.SlotID, host common.Address) (bool, error)
	// ReservationRank is host's place among the slot's reservers (1 is the
	// first), 0 when it holds none.
	ReservationRank(ctx context.Context, slot contracts.SlotID, host common.Address) (uint8, error)
	// SlotStatuses is one eth_call for many slots; markPeriod is the period
	// whose markability each entry reports.
	SlotStatuses(ctx context.Context, slots []contracts.SlotID, markPeriod uint64) ([]contracts.SlotStatus, error)
}

var _ Market = (*contracts.EthMarket)(nil)
