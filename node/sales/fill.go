package sales

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/contracts/proof"
	"github.com/slotd/slotd/fsm"
	"github.com/slotd/slotd/node/datastore"
	"github.com/slotd/slotd/node/txmgr"
	"github.com/slotd/slotd/persist"
	"github.com/slotd/slotd/retry"
)

// Filling a slot: the proof sent with the fill, the reservation rank's
// turn it waits for, and the checks that the chain decided the fill.

func (e *effects) Fill(ctx context.Context, a *fsm.Agent) (fsm.Step, error) {
	slot, req := a.ChainSlotID(), a.ChainRequestID()
	if st, done, err := e.filledAlready(ctx, a); done || err != nil {
		return st, err
	}
	// Approve first: an approval waits for its own block, which would
	// push the fill out of the turn it is timed for.
	if err := e.market.ApproveFill(ctx, req, a.SlotIndex()); err != nil {
		return fsm.Step{}, transient(err)
	}
	hs, p, st, done, err := e.proveInTurn(ctx, a)
	if done || err != nil {
		return st, err
	}
	path, err := proof.ContentPath(hs.Manifest.SlotRoots, a.SlotIndex())
	if err != nil {
		return fsm.Step{}, retry.MarkFinal(err)
	}
	rc, err := e.market.FillSlot(ctx, req, a.SlotIndex(), hs.Root, path, p)
	switch {
	case err == nil:
		return fsm.Step{Outcome: fsm.Done, Block: rc.BlockNumber.Uint64(), Detail: e.fillDetail(ctx, rc, slot)}, nil
	case errors.Is(err, contracts.ErrInvalidProof):
		return fsm.Step{}, retry.MarkTransient(fmt.Errorf("challenge moved while filling: %w", err))
	case errors.Is(err, contracts.ErrNotReserved):
		// Our reservation is gone (a reorganisation took it out): take one
		// again if there is room, and fill on the next try.
		if st, rerr := e.reserve(ctx, a); rerr != nil || st.Outcome != fsm.Done {
			return st, rerr
		}
		return fsm.Step{}, retry.MarkTransient(fmt.Errorf("fill refused without a reservation; reserved again: %w", err))
	case errors.Is(err, contracts.ErrUnknownRequest):
		return requestGone(err), nil
	case errors.Is(err, contracts.ErrSlotNotFree), errors.Is(err, contracts.ErrRequestNotActive):
		if st, done, err := e.filledAlready(ctx, a); done || err != nil {
			return st, err
		}
		return fsm.Step{}, retry.MarkTransient(err)
	}
	return fsm.Step{}, transient(fmt.Errorf("fill slot: %w", err))
}

// proveInTurn waits for a block in which a fill of ours lands in our turn
// (contracts.FillTurn by our reservationRank) and answers the challenge it
// proves, and returns the proof. It sends nothing and reports done if the
// slot is decided meanwhile. A proof is built once per challenge and kept
// across windows, so slow proving on fast blocks cannot keep missing them.
// A host that holds no reservation goes ahead: the fill's gas estimate
// refuses it, and Fill reserves again.
func (e *effects) proveInTurn(ctx context.Context, a *fsm.Agent) (*datastore.HostedSlot, contracts.Proof, fsm.Step, bool, error) {
	slot := a.ChainSlotID()
	rank, err := e.market.ReservationRank(ctx, slot, e.me())
	if err != nil {
		return nil, contracts.Proof{}, fsm.Step{}, false, transient(fmt.Errorf("reservation rank: %w", err))
	}
	spacing, err := e.spacing(ctx)
	if err != nil {
		return nil, contracts.Proof{}, fsm.Step{}, false, err
	}
	var (
		hs     *datastore.HostedSlot
		p      contracts.Proof
		proved challengeKey // what p answers; zero: no proof yet
	)
	t := time.NewTicker(min(e.poll, fillPoll))
	defer t.Stop()
	for {
		head, err := e.chainHead(ctx)
		if err != nil {
			return nil, contracts.Proof{}, fsm.Step{}, false, err
		}
		key, ok := e.fillWindow(slot, head, spacing, rank)
		switch {
		case ok && key == proved:
			return hs, p, fsm.Step{}, false, nil
		case ok || rank == 0:
			// The challenge is read at the head, which may be past the one
			// just read: the proof counts only if that one's key matches.
			if hs, p, err = e.prove(ctx, slot); err != nil {
				return nil, contracts.Proof{}, fsm.Step{}, false, err
			}
			proved = key
			if rank == 0 {
				return hs, p, fsm.Step{}, false, nil
			}
			if now, err := e.chainHead(ctx); err != nil || e.keyAt(slot, now) != key {
				proved = challengeKey{}
			}
			continue
		}
		select {
		case <-ctx.Done():
			return nil, contracts.Proof{}, fsm.Step{}, false, ctx.Err()
		case <-t.C:
		}
		if st, done, err := e.filledAlready(ctx, a); done || err != nil {
			return nil, contracts.Proof{}, st, done, err
		}
	}
}

// fillPoll bounds how often a reserver waiting for its turn reads the head:
// on fast chains a poll of a second or more could keep missing it.
const fillPoll = 200 * time.Millisecond

// fillLookahead is how many blocks past the next one a fill may take to
// be mined and still land in our turn and answer the challenge it proves.
const fillLookahead = 2

// challengeKey names the challenge a proof answers at some block: the
// period, and the block whose hash the pointer picks (block − 1 −
// pointer). Both only grow with the block, so equal keys at two blocks
// mean the challenge did not move between them.
type challengeKey struct {
	period uint64
	block  int64
	set    bool
}

// keyAt is the challenge key of slot at head.
func (e *effects) keyAt(slot contracts.SlotID, head persist.Head) challengeKey {
	return e.keyIn(slot, head.Number, head.Time)
}

func (e *effects) keyIn(slot contracts.SlotID, block, time uint64) challengeKey {
	c := contracts.ProofClock{Proofs: e.proofs, Block: block, Time: time}
	period := c.Period()
	return challengeKey{period: period, block: int64(block) - 1 - int64(c.Pointer(slot, period)), set: true}
}

// fillWindow says whether a fill sent at head by the reserver of rank
// lands in its turn and answers the challenge of head, even if it lands
// up to fillLookahead blocks late; it returns head's challenge key.
func (e *effects) fillWindow(slot contracts.SlotID, head persist.Head, spacing uint64, rank uint8) (challengeKey, bool) {
	key := e.keyAt(slot, head)
	for i := uint64(1); i <= 1+fillLookahead; i++ {
		b := head.Number + i
		if contracts.FillTurn(b, e.maxReservations) != rank || e.keyIn(slot, b, head.Time+i*spacing) != key {
			return key, false
		}
	}
	return key, true
}

// chainHead is the chain's head as its header says (the ingestor's head
// may lag it); without a header reader, the ingestor's.
func (e *effects) chainHead(ctx context.Context) (persist.Head, error) {
	if e.headers == nil {
		return e.head(), nil
	}
	h, err := e.headers.HeaderByNumber(ctx, nil)
	if err != nil {
		return persist.Head{}, retry.MarkTransient(fmt.Errorf("read the head: %w", err))
	}
	return persist.Head{Number: h.Number.Uint64(), Time: h.Time}, nil
}

// spacing is the chain's block spacing in seconds (at least 1), from the
// head's header and its parent's.
func (e *effects) spacing(ctx context.Context) (uint64, error) {
	head, err := e.chainHead(ctx)
	if err != nil || e.headers == nil || head.Number == 0 {
		return 1, err
	}
	p, err := e.headers.HeaderByNumber(ctx, new(big.Int).SetUint64(head.Number-1))
	if err != nil {
		return 0, retry.MarkTransient(fmt.Errorf("read the head's parent: %w", err))
	}
	return max(1, head.Time-min(p.Time, head.Time)), nil
}

// filledAlready answers from the chain whether the fill is decided: ours
// (a fill that landed before a crash), someone else's, or a request that
// is over.
func (e *effects) filledAlready(ctx context.Context, a *fsm.Agent) (fsm.Step, bool, error) {
	host, err := e.market.GetHost(ctx, a.ChainSlotID())
	if err != nil {
		return fsm.Step{}, false, transient(err)
	}
	switch host {
	case e.me():
		return fsm.Step{Outcome: fsm.Done, Detail: "already ours on chain"}, true, nil
	case common.Address{}:
	default:
		return fsm.Step{Outcome: fsm.Lost, Detail: "filled by " + host.Hex()}, true, nil
	}
	rs, err := e.requestState(ctx, a)
	if errors.Is(err, contracts.ErrUnknownRequest) {
		return requestGone(err), true, nil
	}
	if err != nil {
		return fsm.Step{}, false, err
	}
	if o, done := ended(rs); done {
		return fsm.Step{Outcome: o}, true, nil
	}
	return fsm.Step{}, false, nil
}

func (e *effects) ConfirmFill(ctx context.Context, a *fsm.Agent) (fsm.Step, error) {
	host, err := e.market.GetHost(ctx, a.ChainSlotID())
	if err != nil {
		return fsm.Step{}, transient(err)
	}
	switch host {
	case e.me():
		return fsm.Step{Outcome: fsm.Done}, nil
	case common.Address{}:
		return fsm.Step{}, retry.MarkTransient(errors.New("fill receipt seen but the slot reads free: waiting for the chain to settle"))
	}
	return fsm.Step{Outcome: fsm.Lost, Detail: "filled by " + host.Hex()}, nil
}

// errFillGone: the slot we were proving reads free and never filled, which
// only a reorganisation does.
var errFillGone = errors.New("our fill is not on the chain (reorganised out?); waiting for it to come back or for another host to take the slot")

// fillRevertedDetail ends an agent whose fill a reorganisation took out
// and that reverted where it landed again; the slot is free, and sales
// queues it to be sold anew.
const fillRevertedDetail = "our fill was reorganised out and reverted on the new branch"

// fillReverted reports whether every fill we sent for slot has a receipt
// on the chain, and each says it reverted: such a fill will not come back.
// A fill with no receipt may still land (the tx manager resends it), and
// a successful one means the slot read was stale.
func (e *effects) fillReverted(ctx context.Context, slot contracts.SlotID) (bool, error) {
	var sent []persist.TxRecord
	err := e.store.View(func(tx *persist.Tx) error {
		return tx.ForEachTxRecordWithPrefix(contracts.FillPurposePrefix(slot), func(r persist.TxRecord) error {
			sent = append(sent, r)
			return nil
		})
	})
	if err != nil || len(sent) == 0 {
		return false, err
	}
	for i := range sent {
		rc, _, err := txmgr.Receipt(ctx, e.receipts, &sent[i])
		if err != nil || rc == nil || rc.Status == types.ReceiptStatusSuccessful {
			return false, err
		}
	}
	return true, nil
}
