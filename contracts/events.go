package contracts

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/slotd/slotd/contracts/bindings"
)

func refOf(l *types.Log) LogRef {
	return LogRef{Block: l.BlockNumber, BlockHash: l.BlockHash, TxHash: l.TxHash, Index: l.Index, Removed: l.Removed}
}

var market = bindings.NewMarketplace()

// eventTopics are the topic-0 values of every Marketplace event.
var eventTopics, eventNames = func() ([]common.Hash, map[common.Hash]string) {
	var t []common.Hash
	names := map[common.Hash]string{}
	for name, e := range market.GetABI().Events {
		t = append(t, e.ID)
		names[e.ID] = name
	}
	return t, names
}()

// ErrUnknownEvent is a log from the Marketplace address that is none of its
// events; ingestion skips it rather than stopping.
var ErrUnknownEvent = errors.New("unknown marketplace event")

// DecodeLog decodes one Marketplace log.
func DecodeLog(l *types.Log) (Event, error) {
	if len(l.Topics) == 0 {
		return nil, ErrUnknownEvent
	}
	ref := refOf(l)
	switch eventNames[l.Topics[0]] {
	case "StorageRequested":
		e, err := market.UnpackStorageRequestedEvent(l)
		if err != nil {
			return nil, fmt.Errorf("decode StorageRequested: %w", err)
		}
		return &StorageRequested{LogRef: ref, RequestID: e.RequestId, Ask: Ask(e.Ask), Expiry: e.Expiry}, nil
	case "SlotFilled":
		e, err := market.UnpackSlotFilledEvent(l)
		if err != nil {
			return nil, fmt.Errorf("decode SlotFilled: %w", err)
		}
		return &SlotFilled{LogRef: ref, RequestID: e.RequestId, SlotIndex: e.SlotIndex}, nil
	case "SlotFreed":
		e, err := market.UnpackSlotFreedEvent(l)
		if err != nil {
			return nil, fmt.Errorf("decode SlotFreed: %w", err)
		}
		return &SlotFreed{LogRef: ref, RequestID: e.RequestId, SlotIndex: e.SlotIndex}, nil
	case "RequestFulfilled":
		e, err := market.UnpackRequestFulfilledEvent(l)
		if err != nil {
			return nil, fmt.Errorf("decode RequestFulfilled: %w", err)
		}
		return &RequestFulfilled{LogRef: ref, RequestID: e.RequestId}, nil
	case "RequestCancelled":
		e, err := market.UnpackRequestCancelledEvent(l)
		if err != nil {
			return nil, fmt.Errorf("decode RequestCancelled: %w", err)
		}
		return &RequestCancelled{LogRef: ref, RequestID: e.RequestId}, nil
	case "RequestFailed":
		e, err := market.UnpackRequestFailedEvent(l)
		if err != nil {
			return nil, fmt.Errorf("decode RequestFailed: %w", err)
		}
		return &RequestFailed{LogRef: ref, RequestID: e.RequestId}, nil
	case "ProofSubmitted":
		e, err := market.UnpackProofSubmittedEvent(l)
		if err != nil {
			return nil, fmt.Errorf("decode ProofSubmitted: %w", err)
		}
		return &ProofSubmitted{LogRef: ref, SlotID: e.SlotId}, nil
	case "ProofMarkedMissing":
		e, err := market.UnpackProofMarkedMissingEvent(l)
		if err != nil {
			return nil, fmt.Errorf("decode ProofMarkedMissing: %w", err)
		}
		if !e.Period.IsUint64() {
			return nil, fmt.Errorf("decode ProofMarkedMissing: period %s exceeds uint64", e.Period)
		}
		return &ProofMarkedMissing{LogRef: ref, SlotID: e.SlotId, Period: e.Period.Uint64()}, nil
	case "SlotReservationsFull":
		e, err := market.UnpackSlotReservationsFullEvent(l)
		if err != nil {
			return nil, fmt.Errorf("decode SlotReservationsFull: %w", err)
		}
		return &SlotReservationsFull{LogRef: ref, RequestID: e.RequestId, SlotIndex: e.SlotIndex}, nil
	case "HostUrlSet":
		e, err := market.UnpackHostUrlSetEvent(l)
		if err != nil {
			return nil, fmt.Errorf("decode HostUrlSet: %w", err)
		}
		return &HostURLSet{LogRef: ref, Host: e.Host, URL: e.Url}, nil
	}
	return nil, ErrUnknownEvent
}

// LogFilterer is the part of ethclient that reads logs.
type LogFilterer interface {
	FilterLogs(ctx context.Context, q ethereum.FilterQuery) ([]types.Log, error)
}

// DefaultPage is the block range of one log query before any shrinking.
const DefaultPage = 2000

// PastLogs returns the Marketplace's logs in [from, to], querying at most
// page blocks at a time and halving the page when the provider says the
// result is too large. fn gets each page's logs in order; returning an error
// stops the walk. Pages are handed over as they arrive so a caller can commit
// its cursor page by page.
func PastLogs(ctx context.Context, c LogFilterer, addr common.Address, from, to, page uint64, fn func(last uint64, logs []types.Log) error) error {
	if page == 0 {
		page = DefaultPage
	}
	for from <= to {
		end := min(to, from+page-1)
		logs, err := c.FilterLogs(ctx, ethereum.FilterQuery{
			FromBlock: new(big.Int).SetUint64(from),
			ToBlock:   new(big.Int).SetUint64(end),
			Addresses: []common.Address{addr},
			Topics:    [][]common.Hash{eventTopics},
		})
		if err != nil {
			if tooManyResults(err) && page > 1 {
				page /= 2
				continue
			}
			return fmt.Errorf("logs %d–%d: %w", from, end, err)
		}
		if err := fn(end, logs); err != nil {
			return err
		}
		from = end + 1
	}
	return nil
}

// tooManyResults recognises the ways providers say a range is too big.
func tooManyResults(err error) bool {
	msg := strings.ToLower(err.Error())
	for _, s := range []string{"too many", "limit exceeded", "response size", "query returned more than", "range too large", "range is too large"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
