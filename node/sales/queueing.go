package sales

import (
	"math/big"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/persist"
	"github.com/slotd/slotd/queue"
)

// What the chain's events do to the slot queue. The queue knows slots,
// not the chain: these turn a request's ids and ask into its items, inside
// the queue transaction the caller runs (the ingestor's, or a look-back's).

// itemOf is slot index of a request with the given ask and expiry. The
// amounts are copied: the queue keeps an item's amounts as they are, so
// the item must share none with the event or ledger record it came from.
func itemOf(request contracts.RequestID, index uint64, ask contracts.Ask, expiry uint64) queue.Item {
	return queue.Item{
		SlotID:                persist.ID(contracts.GetSlotID(request, index)),
		RequestID:             persist.ID(request),
		SlotIndex:             index,
		SlotSize:              ask.SlotSize,
		Duration:              ask.Duration,
		PricePerBytePerSecond: copyAmount(ask.PricePerBytePerSecond),
		CollateralPerByte:     copyAmount(ask.CollateralPerByte),
		Expiry:                expiry,
	}
}

// copyAmount is x copied, nil read as zero (the queue orders by amounts,
// so an item never holds a nil one).
func copyAmount(x *big.Int) *big.Int {
	if x == nil {
		return new(big.Int)
	}
	return new(big.Int).Set(x)
}

// slotsOf builds the items of a request's slots for queue.Tx.PushRequest.
func slotsOf(request contracts.RequestID, ask contracts.Ask, expiry uint64) func(uint64) queue.Item {
	return func(index uint64) queue.Item { return itemOf(request, index, ask, expiry) }
}

// pushRequested handles StorageRequested: if fits says an availability
// could take the ask, every slot of the request is pushed (shuffled, at
// most the queue's bound), from the event alone. It returns how many slots
// were added.
func pushRequested(qt *queue.Tx, ev *contracts.StorageRequested, fits func(contracts.Ask) bool) (int, error) {
	if ev == nil || !fits(ev.Ask) {
		return 0, nil
	}
	return qt.PushRequest(ev.Ask.Slots, nil, slotsOf(ev.RequestID, ev.Ask, ev.Expiry))
}

// removeFilled handles SlotFilled: the slot leaves the queue.
func removeFilled(qt *queue.Tx, request contracts.RequestID, index uint64) (bool, error) {
	return qt.Remove(persist.ID(contracts.GetSlotID(request, index)))
}

// pushFreed handles SlotFreed: the slot is pushed again if fits accepts
// the ask, even if this node has seen it before, unless a worker holds it.
// The event carries only the ids, so the caller supplies the request's ask
// and expiry. (The queue does not know about slots whose sale has moved on
// from the worker, e.g. one this node is proving: the caller decides
// whether to push those.)
func pushFreed(qt *queue.Tx, request contracts.RequestID, index uint64, ask contracts.Ask, expiry uint64, fits func(contracts.Ask) bool) (bool, error) {
	if !fits(ask) {
		return false, nil
	}
	n, err := qt.Push(itemOf(request, index, ask, expiry))
	return n == 1, err
}

// removeRequest handles RequestFulfilled, RequestCancelled, RequestFailed
// and a reverted StorageRequested: the request's slots leave the queue.
func removeRequest(qt *queue.Tx, request contracts.RequestID) (int, error) {
	return qt.RemoveRequest(persist.ID(request))
}

// openRequest is a request still open on chain, for pushOpen.
type openRequest struct {
	requestID contracts.RequestID
	ask       contracts.Ask
	expiry    uint64
	// free lists the slot indices still free; nil means all of them.
	// Indices not below ask.Slots are ignored.
	free []uint64
}

// pushOpen pushes the free slots of past requests that are still open
// and that fits takes, for an availability that was just added. Each
// request's slots go in shuffled, like pushRequested's. It returns how
// many slots were added.
func pushOpen(qt *queue.Tx, reqs []openRequest, fits func(contracts.Ask) bool) (int, error) {
	n := 0
	for _, r := range reqs {
		if !fits(r.ask) {
			continue
		}
		k, err := qt.PushRequest(r.ask.Slots, r.free, slotsOf(r.requestID, r.ask, r.expiry))
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
