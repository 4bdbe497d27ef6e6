package sales

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"os"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/hashicorp/go-hclog"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/contracts/proof"
	"github.com/slotd/slotd/fsm"
	"github.com/slotd/slotd/node/datastore"
	"github.com/slotd/slotd/node/metrics"
	"github.com/slotd/slotd/node/transfer"
	"github.com/slotd/slotd/node/txmgr"
	"github.com/slotd/slotd/persist"
	"github.com/slotd/slotd/retry"
)

// effects are the agents' side effects over the chain, the tx manager and
// the data store. Every method starts by reading the chain, so running it
// again after a crash does only what is still left to do.
type effects struct {
	market     Market
	store      *persist.Store // our tx records: which fills we sent
	receipts   Client
	data       *datastore.Store
	downloader *transfer.Downloader
	peers      []string
	samples    int
	poll       time.Duration
	// head is the chain head as the ingestor last committed it; headers,
	// when set, read the chain's own head to time fills by.
	head    func() persist.Head
	headers HeaderReader
	// proofs and maxReservations time fills: the challenge a fill answers
	// and the reservers' turns (contracts.FillTurn).
	proofs          contracts.ProofConfig
	maxReservations uint8
	log             hclog.Logger
	metrics         *metrics.Metrics
	tokenUnits      tokenUnits // for amounts in journal details and logs
}

var _ fsm.Effects = (*effects)(nil)

// transient marks chain and network errors for retry; what retry calls
// final (a decoded contract error: the chain's answer) is permanent unless
// the caller says otherwise.
func transient(err error) error {
	if errors.Is(err, contracts.ErrInsufficientAllowance) || errors.Is(err, contracts.ErrInsufficientBalance) {
		return retry.MarkTransient(err) // the operator can top up; the sale waits
	}
	if retry.IsFinal(err) {
		return retry.MarkFinal(err)
	}
	return retry.MarkTransient(err)
}

func (e *effects) me() common.Address { return e.market.Account() }

// ended maps a request that is no longer running to its outcome.
func ended(rs contracts.RequestState) (fsm.Outcome, bool) {
	switch rs {
	case contracts.RequestStateCancelled:
		return fsm.RequestCancelled, true
	case contracts.RequestStateFailed:
		return fsm.RequestFailed, true
	case contracts.RequestStateFinished:
		return fsm.RequestEnded, true
	}
	return 0, false
}

func (e *effects) requestState(ctx context.Context, a *fsm.Agent) (contracts.RequestState, error) {
	rs, err := e.market.RequestState(ctx, a.ChainRequestID())
	if err != nil {
		return 0, transient(fmt.Errorf("request state: %w", err))
	}
	return rs, nil
}

// requestGone ends a sale whose request the chain does not know: a
// reorganisation took its StorageRequested out after we queued its slots.
// It is no error of ours: the client's node sends the request again, and
// its new event queues the slots anew (agentEnded re-queues one the chain
// already has back).
func requestGone(err error) fsm.Step {
	return fsm.Step{Outcome: fsm.Lost, Detail: requestGoneReason + err.Error()}
}

const requestGoneReason = "request not on chain (a reorganisation took it out?): "

func (e *effects) Prepare(ctx context.Context, a *fsm.Agent) (fsm.Step, error) {
	rs, err := e.requestState(ctx, a)
	if errors.Is(err, contracts.ErrUnknownRequest) {
		return requestGone(err), nil
	}
	if err != nil {
		return fsm.Step{}, err
	}
	if o, done := ended(rs); done {
		return fsm.Step{Outcome: o}, nil
	}
	host, err := e.market.GetHost(ctx, a.ChainSlotID())
	if err != nil {
		return fsm.Step{}, transient(err)
	}
	switch host {
	case e.me():
		return fsm.Step{Outcome: fsm.Done, Detail: "already ours on chain"}, nil
	case common.Address{}:
	default:
		return fsm.Step{Outcome: fsm.Lost, Detail: "filled by " + host.Hex()}, nil
	}
	return e.reserve(ctx, a)
}

// reserve holds a reservation on the slot before anything is downloaded:
// only a reserver may fill. The tx purpose carries the journal seq of the
// agent's entry into Preparing, so a run of Prepare after a crash finds
// the reservation it sent (on chain, or as the tx manager's record) and
// sends nothing new; a later sale of the same slot has a seq of its own.
func (e *effects) reserve(ctx context.Context, a *fsm.Agent) (fsm.Step, error) {
	slot := a.ChainSlotID()
	held, err := e.market.IsReserved(ctx, slot, e.me())
	if err != nil {
		return fsm.Step{}, transient(fmt.Errorf("read reservation: %w", err))
	}
	if held {
		return fsm.Step{Outcome: fsm.Done, Detail: "reservation held"}, nil
	}
	rc, err := e.market.ReserveSlot(ctx, a.ChainRequestID(), a.SlotIndex(), a.Record().Seq)
	switch {
	case err == nil:
		return fsm.Step{Outcome: fsm.Done, Block: rc.BlockNumber.Uint64(), Detail: "reserved in tx " + rc.TxHash.Hex()}, nil
	case errors.Is(err, contracts.ErrAlreadyReserved):
		return fsm.Step{Outcome: fsm.Done, Detail: "reservation held"}, nil
	case errors.Is(err, contracts.ErrReservationsFull):
		return fsm.Step{Outcome: fsm.Lost, Detail: "every reservation of the slot is taken"}, nil
	case errors.Is(err, contracts.ErrUnknownRequest):
		return requestGone(err), nil
	case errors.Is(err, contracts.ErrSlotNotFree), errors.Is(err, contracts.ErrRequestNotActive):
		if st, done, err := e.filledAlready(ctx, a); done || err != nil {
			return st, err
		}
		return fsm.Step{}, retry.MarkTransient(err)
	}
	return fsm.Step{}, transient(fmt.Errorf("reserve slot: %w", err))
}

func (e *effects) Download(ctx context.Context, a *fsm.Agent) (fsm.Step, error) {
	slot := a.ChainSlotID()
	if hs, err := e.data.HostedSlot(proof.Hash(slot)); err == nil {
		return fsm.Step{Outcome: fsm.Done, Detail: fmt.Sprintf("%d bytes already held", hs.Size)}, nil
	}
	r, err := e.market.GetRequest(ctx, a.ChainRequestID())
	if err != nil {
		return fsm.Step{}, transient(fmt.Errorf("get request: %w", err))
	}
	providers, err := transfer.DecodeProviders(r.Content.Cid)
	if err != nil {
		e.log.Warn("request names no usable providers; trying configured peers", "requestId", a.ChainRequestID(), "err", err)
	}
	req := transfer.SlotRequest{SlotID: proof.Hash(slot), CID: r.Content.MerkleRoot, Index: int(a.SlotIndex()),
		Providers: transfer.MergeProviders(providers, e.peers), SlotSize: r.Ask.SlotSize}
	res, err := e.downloader.DownloadSlot(ctx, req)
	if errors.Is(err, transfer.ErrNoProviders) {
		e.log.Info("no provider holds the slot; repairing it from other slots", "slotId", slot)
		res, err = e.downloader.RepairSlot(ctx, req)
	}
	if errors.Is(err, transfer.ErrProvidersFailed) || errors.Is(err, transfer.ErrDeadline) {
		// Retrying would only hold a worker: the providers kept failing
		// (and the downloader will not try them again soon), or the slot
		// can no longer be filled in time. Let the slot go.
		return fsm.Step{Outcome: fsm.Lost, Detail: "gave up downloading: " + err.Error()}, nil
	}
	if err != nil {
		return fsm.Step{}, retry.MarkTransient(fmt.Errorf("download slot: %w", err))
	}
	if e.metrics != nil {
		e.metrics.DownloadBytes.Add(float64(res.Fetched))
	}
	return fsm.Step{Outcome: fsm.Done, Detail: fmt.Sprintf("%d bytes verified (%d resumed)", res.Size, res.Resumed)}, nil
}

// held opens the slot's data and tree as the data store keeps them.
func (e *effects) held(slot contracts.SlotID) (*datastore.HostedSlot, *proof.SlotTree, *os.File, error) {
	hs, err := e.data.HostedSlot(proof.Hash(slot))
	if err != nil {
		return nil, nil, nil, fmt.Errorf("hosted slot %s: %w", slot, err)
	}
	files, err := e.data.HostedSlotFiles(proof.Hash(slot))
	if err != nil {
		return nil, nil, nil, err
	}
	tf, err := os.Open(files.TreePath)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("slot tree: %w", err)
	}
	defer tf.Close()
	tree, err := proof.ReadSlotTree(tf, hs.Root)
	if err != nil {
		return nil, nil, nil, err
	}
	data, err := os.Open(files.DataPath)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("slot data: %w", err)
	}
	return hs, tree, data, nil
}

func (e *effects) InitialProve(ctx context.Context, a *fsm.Agent) (fsm.Step, error) {
	_, _, data, err := e.held(a.ChainSlotID())
	if err != nil {
		return fsm.Step{}, retry.MarkFinal(err)
	}
	data.Close()
	return fsm.Step{Outcome: fsm.Done}, nil
}

// prove answers the slot's current challenge from the held data.
func (e *effects) prove(ctx context.Context, slot contracts.SlotID) (*datastore.HostedSlot, contracts.Proof, error) {
	hs, tree, data, err := e.held(slot)
	if err != nil {
		return nil, contracts.Proof{}, retry.MarkFinal(err)
	}
	defer data.Close()
	challenge, err := e.market.GetChallenge(ctx, slot)
	if err != nil {
		return nil, contracts.Proof{}, transient(err)
	}
	p, err := proof.Prove(tree, data, challenge, proof.Hash(slot), e.samples)
	if err != nil {
		return nil, contracts.Proof{}, retry.MarkFinal(fmt.Errorf("build proof: %w", err))
	}
	return hs, contracts.ToContractProof(p), nil
}

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

// Prove is never run by the agents' drivers: sales registers Proving as
// a scheduled state, and its scheduler proves for every held slot at
// once (scheduler.go). Reaching it is a wiring fault.
func (e *effects) Prove(ctx context.Context, a *fsm.Agent) (fsm.Step, error) {
	return fsm.Step{}, retry.MarkFinal(errors.New("proving is run by the sales scheduler, not by an agent's driver"))
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

func (e *effects) Payout(ctx context.Context, a *fsm.Agent) (fsm.Step, error) {
	slot := a.ChainSlotID()
	rs, err := e.requestState(ctx, a)
	if err != nil {
		return fsm.Step{}, err
	}
	o, over := ended(rs)
	if !over {
		// Freeing now would forfeit the collateral: wait for the end.
		return fsm.Step{}, retry.MarkTransient(fmt.Errorf("request %s still %s: payout waits for its end", a.ChainRequestID(), rs))
	}
	if o == fsm.RequestEnded {
		o = fsm.Done
	}
	ss, err := e.market.SlotState(ctx, slot)
	if err != nil {
		return fsm.Step{}, transient(err)
	}
	detail := "paid (freed before a restart: the amounts are in that freeSlot's receipt)"
	if ss != contracts.SlotStatePaid {
		host, err := e.market.GetHost(ctx, slot)
		if err != nil {
			return fsm.Step{}, transient(err)
		}
		if host != e.me() {
			return fsm.Step{Outcome: fsm.Lost, Detail: "nothing due: the slot is not ours"}, nil
		}
		var collateral *big.Int
		if info, err := e.market.GetSlot(ctx, slot); err == nil {
			collateral = info.Collateral // what comes back besides the earnings
		}
		rc, err := e.market.FreeSlot(ctx, slot)
		if err != nil && !errors.Is(err, contracts.ErrSlotNotFilled) {
			return fsm.Step{}, transient(fmt.Errorf("free slot: %w", err))
		}
		detail = e.payoutDetail(ctx, rc, collateral)
		e.log.Info("payout: "+detail, "slotId", slot, "requestId", a.ChainRequestID())
	}
	if err := e.data.RemoveHostedSlot(proof.Hash(slot)); err != nil && !errors.Is(err, datastore.ErrNotFound) {
		e.log.Warn("payout done; could not remove the slot's files", "slotId", slot, "err", err)
	}
	return fsm.Step{Outcome: o, Detail: detail}, nil
}
