package sales

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"os"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/hashicorp/go-hclog"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/contracts/proof"
	"github.com/slotd/slotd/fsm"
	"github.com/slotd/slotd/node/datastore"
	"github.com/slotd/slotd/node/metrics"
	"github.com/slotd/slotd/node/transfer"
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

// Prove is never run by the agents' drivers: sales registers Proving as
// a scheduled state, and its scheduler proves for every held slot at
// once (scheduler.go). Reaching it is a wiring fault.
func (e *effects) Prove(ctx context.Context, a *fsm.Agent) (fsm.Step, error) {
	return fsm.Step{}, retry.MarkFinal(errors.New("proving is run by the sales scheduler, not by an agent's driver"))
}

func (e *effects) Payout(ctx context.Context, a *fsm.Agent) (fsm.Step, error) {
	return e.payout(ctx, a.ChainRequestID(), a.ChainSlotID())
}

// payout collects the slot once its request is over. It calls
// payoutSlot, not freeSlot: the end was read on a block a reorganisation
// can replace with one stamped earlier, and there freeSlot would give the
// running slot up (campaign seed 16).
func (e *effects) payout(ctx context.Context, request contracts.RequestID, slot contracts.SlotID) (fsm.Step, error) {
	rs, err := e.market.RequestState(ctx, request)
	if err != nil {
		return fsm.Step{}, transient(fmt.Errorf("request state: %w", err))
	}
	o, over := ended(rs)
	if !over {
		// Freeing now would forfeit the collateral: wait for the end.
		return fsm.Step{}, retry.MarkTransient(fmt.Errorf("request %s still %s: payout waits for its end", request, rs))
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
		rc, err := e.market.PayoutSlot(ctx, slot)
		switch {
		case errors.Is(err, contracts.ErrRequestNotEnded):
			return fsm.Step{}, retry.MarkTransient(fmt.Errorf("payout landed before the request's end (a reorganisation set the chain's time back); it waits for the end: %w", err))
		case err != nil && !errors.Is(err, contracts.ErrSlotNotFilled):
			return fsm.Step{}, transient(fmt.Errorf("payout: %w", err))
		}
		detail = e.payoutDetail(ctx, rc, collateral)
		e.log.Info("payout: "+detail, "slotId", slot, "requestId", request)
	}
	if err := e.data.RemoveHostedSlot(proof.Hash(slot)); err != nil && !errors.Is(err, datastore.ErrNotFound) {
		e.log.Warn("payout done; could not remove the slot's files", "slotId", slot, "err", err)
	}
	return fsm.Step{Outcome: o, Detail: detail}, nil
}
