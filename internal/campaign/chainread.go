package campaign

import (
	"context"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/slotd/slotd/contracts/bindings"
)

// market reads the chain with ethclient and the generated bindings only,
// so the invariants do not go through the node's own chain code.
type market struct {
	eth  *ethclient.Client
	mp   *bindings.Marketplace
	tok  *bindings.TestToken
	addr common.Address
	tokA common.Address
}

func (r *run) market() *market {
	return &market{eth: r.eth, mp: bindings.NewMarketplace(), tok: bindings.NewTestToken(), addr: r.dep.Marketplace, tokA: r.dep.Token}
}

func (m *market) call(ctx context.Context, to common.Address, data []byte) ([]byte, error) {
	return m.eth.CallContract(ctx, ethereum.CallMsg{To: &to, Data: data}, nil)
}

func (m *market) tokenBalance(ctx context.Context, who common.Address) (*big.Int, error) {
	out, err := m.call(ctx, m.tokA, m.tok.PackBalanceOf(who))
	if err != nil {
		return nil, err
	}
	return m.tok.UnpackBalanceOf(out)
}

func (m *market) requestState(ctx context.Context, id common.Hash) (uint8, error) {
	out, err := m.call(ctx, m.addr, m.mp.PackRequestState(id))
	if err != nil {
		return 0, err
	}
	return m.mp.UnpackRequestState(out)
}

func (m *market) slotState(ctx context.Context, slot common.Hash) (uint8, error) {
	out, err := m.call(ctx, m.addr, m.mp.PackSlotState(slot))
	if err != nil {
		return 0, err
	}
	return m.mp.UnpackSlotState(out)
}

func (m *market) slotID(ctx context.Context, id common.Hash, index uint64) (common.Hash, error) {
	out, err := m.call(ctx, m.addr, m.mp.PackSlotId(id, new(big.Int).SetUint64(index)))
	if err != nil {
		return common.Hash{}, err
	}
	h, err := m.mp.UnpackSlotId(out)
	return h, err
}

// history is the market's events from the chain, in order.
type history struct {
	requested map[common.Hash]uint64 // request → slots
	fulfilled map[common.Hash]bool
	ended     map[common.Hash]string // cancelled/failed
	fills     []fill
	freed     []fill
	proofs    map[common.Hash]int // slot → proofs submitted
	missing   []missed
	slotOf    map[common.Hash]slotRef // slot id → (request, index)
	events    []chainEvent            // every log above, in chain order, for the replay
}

type slotRef struct {
	req   common.Hash
	index uint64
}

type fill struct {
	slot      common.Hash
	ref       slotRef
	host      common.Address
	block, ts uint64
	tx        common.Hash
}

type missed struct {
	slot   common.Hash
	period uint64
	block  uint64
}

// read collects every Marketplace log from block from to the head.
func (m *market) read(ctx context.Context, from uint64) (*history, error) {
	head, err := m.eth.BlockNumber(ctx)
	if err != nil {
		return nil, err
	}
	logs, err := m.eth.FilterLogs(ctx, ethereum.FilterQuery{FromBlock: new(big.Int).SetUint64(from), ToBlock: new(big.Int).SetUint64(head), Addresses: []common.Address{m.addr}})
	if err != nil {
		return nil, fmt.Errorf("read the market's logs: %w", err)
	}
	h := &history{requested: map[common.Hash]uint64{}, fulfilled: map[common.Hash]bool{}, ended: map[common.Hash]string{},
		proofs: map[common.Hash]int{}, slotOf: map[common.Hash]slotRef{}}
	times := map[uint64]uint64{}
	blockTime := func(n uint64) uint64 {
		if t, ok := times[n]; ok {
			return t
		}
		hd, err := m.eth.HeaderByNumber(ctx, new(big.Int).SetUint64(n))
		if err == nil {
			times[n] = hd.Time
		}
		return times[n]
	}
	for i := range logs {
		l := &logs[i]
		if l.Removed {
			continue
		}
		ev := chainEvent{block: l.BlockNumber, name: m.eventName(*l)}
		switch l.Topics[0] {
		case m.mp.GetABI().Events["StorageRequested"].ID:
			e, err := m.mp.UnpackStorageRequestedEvent(l)
			if err != nil {
				return nil, err
			}
			h.requested[e.RequestId] = e.Ask.Slots
			ev.req, ev.ask, ev.expiry = e.RequestId, e.Ask, e.Expiry
			for i := range e.Ask.Slots {
				s, err := m.slotID(ctx, e.RequestId, i)
				if err != nil {
					return nil, err
				}
				h.slotOf[s] = slotRef{e.RequestId, i}
			}
		case m.mp.GetABI().Events["RequestFulfilled"].ID:
			e, _ := m.mp.UnpackRequestFulfilledEvent(l)
			h.fulfilled[e.RequestId] = true
			ev.req = e.RequestId
		case m.mp.GetABI().Events["RequestCancelled"].ID:
			e, _ := m.mp.UnpackRequestCancelledEvent(l)
			h.ended[e.RequestId] = "cancelled"
			ev.req = e.RequestId
		case m.mp.GetABI().Events["RequestFailed"].ID:
			e, _ := m.mp.UnpackRequestFailedEvent(l)
			h.ended[e.RequestId] = "failed"
			ev.req = e.RequestId
		case m.mp.GetABI().Events["SlotFilled"].ID, m.mp.GetABI().Events["SlotFreed"].ID:
			ref, freed := slotRef{}, l.Topics[0] == m.mp.GetABI().Events["SlotFreed"].ID
			if freed {
				ev, _ := m.mp.UnpackSlotFreedEvent(l)
				ref = slotRef{ev.RequestId, ev.SlotIndex}
			} else {
				ev, _ := m.mp.UnpackSlotFilledEvent(l)
				ref = slotRef{ev.RequestId, ev.SlotIndex}
			}
			s, err := m.slotID(ctx, ref.req, ref.index)
			if err != nil {
				return nil, err
			}
			f := fill{slot: s, ref: ref, block: l.BlockNumber, ts: blockTime(l.BlockNumber), tx: l.TxHash}
			if tx, _, err := m.eth.TransactionByHash(ctx, l.TxHash); err == nil {
				f.host, _ = types.Sender(types.LatestSignerForChainID(tx.ChainId()), tx)
			}
			if freed {
				h.freed = append(h.freed, f)
			} else {
				h.fills = append(h.fills, f)
			}
			ev.req, ev.index, ev.slot, ev.host, ev.ts = ref.req, ref.index, s, f.host, f.ts
		case m.mp.GetABI().Events["ProofSubmitted"].ID:
			e, _ := m.mp.UnpackProofSubmittedEvent(l)
			h.proofs[e.SlotId]++
			ev.slot, ev.ts = e.SlotId, blockTime(l.BlockNumber)
		case m.mp.GetABI().Events["ProofMarkedMissing"].ID:
			e, _ := m.mp.UnpackProofMarkedMissingEvent(l)
			h.missing = append(h.missing, missed{slot: e.SlotId, period: e.Period.Uint64(), block: l.BlockNumber})
			ev.slot, ev.period = e.SlotId, e.Period.Uint64()
		}
		h.events = append(h.events, ev)
	}
	return h, nil
}
