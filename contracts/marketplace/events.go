package marketplace

import "github.com/ethereum/go-ethereum/common"

// Event is one decoded Marketplace log. Where says where it came from, so
// ingestion can follow reorgs (Removed) and resume from a block.
type Event interface {
	Where() LogRef
}

// LogRef locates a log in the chain.
type LogRef struct {
	Block     uint64
	BlockHash common.Hash
	TxHash    common.Hash
	Index     uint
	Removed   bool // the log's block left the canonical chain
}

func (l LogRef) Where() LogRef { return l }

// The Marketplace's events.
type (
	StorageRequested struct {
		LogRef
		RequestID RequestID
		Ask       Ask
		Expiry    uint64 // unix seconds at which a request still New is cancelled
	}
	SlotFilled struct {
		LogRef
		RequestID RequestID
		SlotIndex uint64
	}
	SlotFreed struct {
		LogRef
		RequestID RequestID
		SlotIndex uint64
	}
	RequestFulfilled struct {
		LogRef
		RequestID RequestID
	}
	RequestCancelled struct {
		LogRef
		RequestID RequestID
	}
	RequestFailed struct {
		LogRef
		RequestID RequestID
	}
	ProofSubmitted struct {
		LogRef
		SlotID SlotID
	}
	// ProofMarkedMissing: a validator marked the slot's proof for Period
	// missing (the host was slashed).
	ProofMarkedMissing struct {
		LogRef
		SlotID SlotID
		Period uint64
	}
	// SlotReservationsFull: the slot has maxReservations reservers; no one
	// else may reserve it until it is filled or freed.
	SlotReservationsFull struct {
		LogRef
		RequestID RequestID
		SlotIndex uint64
	}
	// HostURLSet: Host serves slot data from URL from now on.
	HostURLSet struct {
		LogRef
		Host common.Address
		URL  string
	}
)
