package sales

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/contracts/bindings"
	"github.com/slotd/slotd/contracts/proof"
	"github.com/slotd/slotd/fsm"
	"github.com/slotd/slotd/node/outage"
	"github.com/slotd/slotd/node/txmgr"
	"github.com/slotd/slotd/persist"
)

// ProofSubmitter sends transactions without waiting for them to be
// mined; *txmgr.Manager is one.
type ProofSubmitter interface {
	SubmitAll(ctx context.Context, calls []txmgr.Call) []error
}

// ProofLogs settles proof tx records from the chain's logs, inside the
// ingestor's store transaction; *txmgr.Manager is one.
type ProofLogs interface {
	SettledByLog(tx *persist.Tx, prefix string, txHash common.Hash, block uint64) error
	RevertedLog(tx *persist.Tx, prefix string, txHash common.Hash, block uint64) error
}

// proofPrefix is the start of every proof purpose of slot.
func proofPrefix(slot contracts.SlotID) string { return "proof:" + slot.Hex() + ":" }

// checkEvery is how many blocks apart the scheduler reads every held
// slot's status from the chain (the safety net under what it computes).
const checkEvery = 32

// statusBatch bounds the ids of one slotStatuses call, so that the view
// stays far below an eth_call's gas cap.
const statusBatch = 500

// scheduler proves for every agent in Proving from one goroutine: on each
// committed head it computes, with contracts.ProofClock, which held slots
// need a proof in the current period, double-checks those (and, every
// checkEvery blocks, all held slots) with one batched slotStatuses read,
// and submits the due proofs without waiting for them to be mined. The
// agents wait in Proving with no goroutine of their own; the scheduler
// ends their stay through the fsm (Settle) when the request ends or the
// slot is no longer ours.
//
// Everything below heads is owned by run's goroutine.
type scheduler struct {
	s      *Sales
	fx     *effects
	proofs contracts.ProofConfig
	submit ProofSubmitter // nil: market.SubmitProof, one at a time
	abi    *bindings.Marketplace
	conf   uint64 // the ingestor's confirmations: the chain's head is this far above ours
	heads  chan persist.Head

	// flagged are slots a chain event says to look at on chain next round
	// (a SlotFreed of a held slot): observe sets it from the ingestor's
	// goroutine.
	mu      sync.Mutex
	flagged map[persist.ID]bool
	figures ProvingFigures // the latest round's, under mu (figures.go)

	slashPct uint8                          // the contract's slashPercentage
	due      map[uint64]map[persist.ID]bool // slots due in each recent period

	slots   map[persist.ID]*provingSlot
	hashes  map[uint64]common.Hash // block hashes read past what the cursor remembers
	checked uint64                 // head of the last full status read (0: none yet)
	prev    persist.Head
	spacing uint64 // seconds between blocks, as the heads show it (at least 1)
	trouble outage.Log

	// starts and rounds hear each round's head before and after it (tests).
	starts, rounds func(persist.Head)
}

// provingSlot is what the scheduler remembers of one held slot. Periods
// are stored plus one, so that zero means none.
type provingSlot struct {
	request     persist.ID
	probability *big.Int // the request's proof probability (nil: not known yet)
	sent        uint64   // period+1 a proof went out for, or the chain has
	purpose     string   // the tx purpose of that proof while it is not seen mined ("": none, or the chain has it)
	verify      bool     // that proof's tx was mined: the next status read must show the period proven
	failed      uint64   // proofs of period tried-1 that failed on chain: each retry has a purpose of its own
	tried       uint64   //
	skip        uint64   // period+1 the chain says needs none (the fill's own)
	gone        bool     // logged that our fill is not on chain
	read        bool     // the chain's status was read once
	ending      bool     // the ledger says the request's end has passed
	collateral  *big.Int // collateralPerByte × slotSize (nil: not known yet)
	slashes     uint64   // marks against us, as the last status read said
}

func newScheduler(s *Sales, fx *effects, proofs contracts.ProofConfig, slashPct uint8) *scheduler {
	return &scheduler{s: s, fx: fx, proofs: proofs, slashPct: slashPct, due: map[uint64]map[persist.ID]bool{}, submit: s.cfg.Submitter, abi: bindings.NewMarketplace(),
		conf: s.cfg.Confirmations, heads: make(chan persist.Head, 1), slots: map[persist.ID]*provingSlot{},
		hashes: map[uint64]common.Hash{}, spacing: 1, flagged: map[persist.ID]bool{}, trouble: outage.Log{What: "proving (slot statuses)"}}
}

// notify hands the scheduler a committed head; a head not yet taken is
// replaced (only the newest matters). It never blocks.
func (sc *scheduler) notify(h persist.Head) {
	for {
		select {
		case sc.heads <- h:
			return
		default:
		}
		select {
		case <-sc.heads:
		default:
		}
	}
}

// run schedules until ctx ends.
func (sc *scheduler) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case h := <-sc.heads:
			if sc.starts != nil {
				sc.starts(h)
			}
			sc.round(ctx, h)
			if sc.rounds != nil {
				sc.rounds(h)
			}
		}
	}
}

// callLimit bounds the chain calls of one round's reads, and those of its
// sends, to half a proof period (2 s to 30 s): a call the RPC never
// answers (a websocket it dropped without a word) would otherwise hold
// this round and every later one, and the proofs of all the periods it
// spans (campaign seed 127705438747614: a minute without a proof after a
// 1.6 s RPC outage). The next head's round reads again. Building the
// proofs, which is the host's own work, is not under it.
func (sc *scheduler) callLimit(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, min(max(time.Duration(sc.proofs.Period)*time.Second/2, 2*time.Second), 30*time.Second))
}

// due is one proof the round will send.
type due struct {
	id        persist.ID
	slot      contracts.SlotID
	period    uint64
	challenge common.Hash
	purpose   string // set by send
}

// round decides and sends everything for head.
func (sc *scheduler) round(ctx context.Context, head persist.Head) {
	sc.learnSpacing(head)
	period := head.Time / max(sc.proofs.Period, 1)
	defer func() { sc.publish(period) }() // period is the one the round ends up timing by
	held := sc.held()
	if len(held) == 0 {
		return
	}
	cur, verdicts, err := sc.readLedger(held, head)
	if err != nil {
		sc.s.log.Warn("proving: could not read the ledger; the next block tries again", "err", err)
		return
	}
	for id, st := range verdicts {
		sc.settle(ctx, id, st)
	}
	sc.keepHashes(cur, head)
	sendCtx := ctx
	ctx, cancel := sc.callLimit(ctx)
	defer cancel()
	clock := contracts.ProofClock{Proofs: sc.proofs, Block: head.Number + sc.conf, Time: head.Time, Hash: sc.hashAt(ctx)}
	landing := clock
	landing.Block++
	period = clock.Period()
	full := sc.checked == 0 || head.Number >= sc.checked+checkEvery
	flagged := sc.takeFlagged()
	sc.recheckSent(held, period)
	var ask []persist.ID
	for _, id := range held {
		ps := sc.slots[id]
		if ps == nil || verdicts[id] != nil {
			continue
		}
		if full || !ps.read || flagged[id] || ps.ending || ps.verify {
			ask = append(ask, id)
			continue
		}
		if ps.sent == period+1 || ps.skip == period+1 {
			continue
		}
		if sc.hits(landing, id, ps) {
			ask = append(ask, id)
		}
	}
	if len(ask) == 0 {
		return
	}
	// Time the proofs by the chain's head itself (one header read for all
	// slots): the ingestor's head may lag it, and the challenge moves with
	// the period.
	lag := sc.conf
	if latest := sc.latest(ctx); latest != nil && latest.Number.Uint64() >= head.Number {
		clock.Block, clock.Time = latest.Number.Uint64(), latest.Time
		sc.hashes[clock.Block] = latest.Hash()
		landing = clock
		landing.Block++
		period, lag = clock.Period(), 0
	}
	statuses, err := sc.statuses(ctx, ask, period)
	sc.trouble.Note(sc.s.log, err, "slots", len(ask))
	if err != nil {
		return // the next block tries again
	}
	if full {
		sc.checked = head.Number
	}
	send := sc.lands(clock.Time, lag, period) // a proof sent now would land in the next period and revert
	var dues []due
	for i, id := range ask {
		if d, ok := sc.judge(ctx, head, clock, landing, id, statuses[i]); ok && send {
			dues = append(dues, d)
		}
	}
	sc.send(sendCtx, dues)
}

// recheckSent reads the tx record of every proof sent for period and not
// yet seen mined. One that failed where it landed did not prove the
// period: a reorganisation moved it into the period before (anvil sets
// chain time back, a new branch may stamp its blocks earlier) where it
// reverted with ProofAlreadySubmitted, or took it out and it reverted
// where it landed again. Its purpose is done for the tx manager (a
// purpose is sent once), so the slot is judged again and, if the chain
// still wants its proof, a new one is built and sent under the next
// purpose of the period.
func (sc *scheduler) recheckSent(held []persist.ID, period uint64) {
	var ids []persist.ID
	for _, id := range held {
		if ps := sc.slots[id]; ps != nil && ps.sent == period+1 && ps.purpose != "" {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return
	}
	err := sc.s.cfg.Store.View(func(tx *persist.Tx) error {
		for _, id := range ids {
			ps := sc.slots[id]
			rec, err := tx.TxRecord(ps.purpose)
			if errors.Is(err, persist.ErrNotFound) {
				continue // pruned, or sent without a record (no ProofSubmitter)
			} else if err != nil {
				return fmt.Errorf("tx record %s: %w", ps.purpose, err)
			}
			switch rec.Status {
			case persist.TxMined:
				// Mined is not proven: a reorganisation that moves chain
				// time can land the proof in another period (where it
				// proves that one), so the next status read checks.
				ps.purpose, ps.verify = "", true
			case persist.TxFailed, persist.TxReplaced:
				sc.s.log.Warn("proving: the period's proof failed on chain; proving it again", "slotId", contracts.SlotID(id),
					"period", period, "purpose", ps.purpose, "status", rec.Status, "block", rec.Block)
				ps.proveAgain(period)
			}
		}
		return nil
	})
	if err != nil {
		sc.s.log.Warn("proving: could not read the records of sent proofs; the next block tries again", "err", err)
	}
}

// proveAgain forgets the proof sent for period, which did not prove it,
// and counts it: the next proof of the period goes out under a purpose of
// its own (purposeOf).
func (ps *provingSlot) proveAgain(period uint64) {
	if ps.tried != period+1 {
		ps.tried, ps.failed = period+1, 0
	}
	ps.failed++
	ps.sent, ps.purpose = 0, ""
}

// purposeOf is the tx purpose of the proof of d: the period's own, or,
// after attempts of it failed on chain, the period's with their count.
func (sc *scheduler) purposeOf(d due) string {
	p := proofPurpose(d.slot, d.period)
	if ps := sc.slots[d.id]; ps != nil && ps.tried == d.period+1 && ps.failed > 0 {
		p = fmt.Sprintf("%s.%d", p, ps.failed)
	}
	return p
}

// takeFlagged returns and clears the flagged slots.
func (sc *scheduler) takeFlagged() map[persist.ID]bool {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if len(sc.flagged) == 0 {
		return nil
	}
	f := sc.flagged
	sc.flagged = map[persist.ID]bool{}
	return f
}

// latest reads the chain's head header, or nil.
func (sc *scheduler) latest(ctx context.Context) *types.Header {
	if sc.s.cfg.Headers == nil {
		return nil
	}
	h, err := sc.s.cfg.Headers.HeaderByNumber(ctx, nil)
	if err != nil {
		sc.s.log.Debug("proving: head header not read; timing proofs by the ingestor's head", "err", err)
		return nil
	}
	return h
}

// held lists the agents in Proving and forgets slots that left it.
func (sc *scheduler) held() []persist.ID {
	var ids []persist.ID
	live := map[persist.ID]bool{}
	for _, a := range sc.s.agents.List() {
		if a.State != fsm.Proving {
			continue
		}
		ids = append(ids, a.SlotID)
		live[a.SlotID] = true
		if sc.slots[a.SlotID] == nil {
			sc.slots[a.SlotID] = &provingSlot{request: a.RequestID}
		}
	}
	for id := range sc.slots {
		if !live[id] {
			delete(sc.slots, id)
		}
	}
	return ids
}

// readLedger reads the cursor and, for every held slot, what the ledger
// says of its request: an ended request is a verdict. The proof
// probability comes from the ledger too.
func (sc *scheduler) readLedger(held []persist.ID, head persist.Head) (persist.Cursor, map[persist.ID]*fsm.Step, error) {
	var cur persist.Cursor
	verdicts := map[persist.ID]*fsm.Step{}
	requests := map[persist.ID]*persist.LedgerRequest{} // slots share requests: one read each
	err := sc.s.cfg.Store.View(func(tx *persist.Tx) error {
		var err error
		if cur, err = tx.Cursor(); err != nil && !errors.Is(err, persist.ErrNotFound) {
			return err
		}
		for _, id := range held {
			ps := sc.slots[id]
			r, read := requests[ps.request]
			if !read {
				lr, err := tx.LedgerRequest(ps.request)
				switch {
				case err == nil:
					r = &lr
				case !errors.Is(err, persist.ErrNotFound):
					return err
				}
				requests[ps.request] = r
			}
			if r == nil {
				continue // posted before the ledger; the status read says
			}
			ps.probability = r.ProofProbability
			if ps.collateral == nil {
				ps.collateral = fullCollateral(r.CollateralPerByte, r.SlotSize)
			}
			// The end by time is the chain's to say: the ledger's End may be
			// a read from before the request started. Its slots are read on
			// chain each block until the chain's slot state says so.
			ps.ending = r.State(head.Time) == persist.LedgerFinished
			if st := ledgerEnded(*r, head); st != nil {
				verdicts[id] = st
			}
		}
		return nil
	})
	return cur, verdicts, err
}

// ledgerEnded is the verdict on a held slot whose request the ledger says
// was cancelled or failed, or nil. (A request of a held slot started, so
// its cancellation is the event's, not the expiry's.)
func ledgerEnded(r persist.LedgerRequest, head persist.Head) *fsm.Step {
	at := fmt.Sprintf("(ledger, block %d, chain time %d)", head.Number, head.Time)
	switch {
	case r.Failed:
		return &fsm.Step{Outcome: fsm.RequestFailed, Block: head.Number, Detail: "request failed " + at}
	case r.Cancelled:
		return &fsm.Step{Outcome: fsm.RequestCancelled, Block: head.Number, Detail: "request cancelled " + at}
	}
	return nil
}

// settle ends the agent's Proving with st; a failed commit is retried
// next block (the agent is still in Proving).
func (sc *scheduler) settle(ctx context.Context, id persist.ID, st *fsm.Step) {
	if err := sc.s.agents.Settle(ctx, id, fsm.Proving, *st); err != nil && ctx.Err() == nil {
		sc.s.log.Warn("proving: could not end the agent; the next block tries again", "slotId", id, "err", err)
		return
	}
	delete(sc.slots, id)
}

// learnSpacing follows the chain's block spacing from consecutive heads.
func (sc *scheduler) learnSpacing(head persist.Head) {
	if p := sc.prev; p.Number > 0 && head.Number > p.Number && head.Time > p.Time {
		sc.spacing = max(1, (head.Time-p.Time+(head.Number-p.Number)/2)/(head.Number-p.Number))
	}
	sc.prev = head
}

// lands says whether a proof sent at chain time now lands in period: the
// chain's head is lag blocks above the one now is the time of, and the
// proof goes into the block after it. A proof that would land in the next
// period is not sent (the challenge moves with the period, so it would
// revert with InvalidProof): the next period's first block sends it.
func (sc *scheduler) lands(now, lag, period uint64) bool {
	at := now + (lag+1)*sc.spacing
	return at/sc.proofs.Period == period
}

// keepHashes forgets read hashes the pointer can no longer reach.
func (sc *scheduler) keepHashes(cur persist.Cursor, head persist.Head) {
	for _, b := range cur.Recent {
		sc.hashes[b.Number] = common.Hash(b.Hash)
	}
	if cur.Number > 0 {
		sc.hashes[cur.Number] = common.Hash(cur.Hash)
	}
	for n := range sc.hashes {
		if n+300 < head.Number {
			delete(sc.hashes, n)
		}
	}
}

// hashAt answers ProofClock's block hashes: from the cursor's memory, or
// one header read per height it does not hold (shared by all slots that
// point there). A failed read gives the zero hash, and the status read
// before sending catches the mismatch.
func (sc *scheduler) hashAt(ctx context.Context) func(uint64) common.Hash {
	return func(n uint64) common.Hash {
		if h, ok := sc.hashes[n]; ok {
			return h
		}
		if sc.s.cfg.Headers == nil {
			return common.Hash{}
		}
		hd, err := sc.s.cfg.Headers.HeaderByNumber(ctx, new(big.Int).SetUint64(n))
		if err != nil {
			sc.s.log.Debug("proving: block header not read", "block", n, "err", err)
			return common.Hash{}
		}
		sc.hashes[n] = hd.Hash()
		return hd.Hash()
	}
}

// hits says whether the challenge at clock's block requires a proof of
// the slot (now, or after the downtime): the contract's rule, its fill's
// period aside (the status read tells that one).
func (sc *scheduler) hits(clock contracts.ProofClock, id persist.ID, ps *provingSlot) bool {
	slot := contracts.SlotID(id)
	return clock.ProofRequired(slot, 0, ps.probability) ||
		clock.WillProofBeRequired(slot, 0, ps.probability)
}

// statuses is one slotStatuses read per statusBatch slots.
func (sc *scheduler) statuses(ctx context.Context, ids []persist.ID, period uint64) ([]contracts.SlotStatus, error) {
	out := make([]contracts.SlotStatus, 0, len(ids))
	for i := 0; i < len(ids); i += statusBatch {
		part := ids[i:min(i+statusBatch, len(ids))]
		slots := make([]contracts.SlotID, len(part))
		for j, id := range part {
			slots[j] = contracts.SlotID(id)
		}
		st, err := sc.s.cfg.Market.SlotStatuses(ctx, slots, max(period, 1)-1)
		if err != nil {
			return nil, err
		}
		if len(st) != len(part) {
			return nil, fmt.Errorf("slotStatuses answered %d entries for %d slots", len(st), len(part))
		}
		out = append(out, st...)
	}
	return out, nil
}

// judge takes the chain's status of one held slot (the chain wins over
// the ledger and the clock; a difference is logged), ends the agent if the
// slot is no longer ours, and reports the proof to send, if one is due.
func (sc *scheduler) judge(ctx context.Context, head persist.Head, clock, landing contracts.ProofClock, id persist.ID, st contracts.SlotStatus) (due, bool) {
	ps := sc.slots[id]
	ps.read = true
	slot := contracts.SlotID(id)
	period := clock.Period()
	if ps.probability == nil {
		r, err := sc.s.cfg.Market.GetRequest(ctx, contracts.RequestID(ps.request))
		if err != nil {
			sc.s.log.Warn("proving: request not read", "requestId", contracts.RequestID(ps.request), "err", err)
		} else {
			ps.probability = r.Ask.ProofProbability
			if ps.collateral == nil {
				ps.collateral = fullCollateral(r.Ask.CollateralPerByte, r.Ask.SlotSize)
			}
		}
	}
	if v := sc.verdict(ctx, head, id, st); v != nil {
		sc.settle(ctx, id, v)
		return due{}, false
	}
	if contracts.SlotState(st.State) != contracts.SlotStateFilled {
		return due{}, false // our fill is not (or not yet) on chain
	}
	ps.slashes = st.MissingProofs
	verify := ps.verify && ps.sent == period+1
	ps.verify = false
	if st.ProofReceived {
		sc.markDue(id, period)
		if ps.sent > period+1 {
			// Our proof of a later period proved this one: a reorganisation
			// set chain time back (a branch stamped earlier) and it landed
			// here. Keep what was sent, so that the later period, when it
			// comes again, checks its record and proves it anew.
			return due{}, false
		}
		ps.sent, ps.purpose = period+1, ""
		return due{}, false
	}
	if ps.sent == period+1 && !verify {
		return due{}, false // sent, not mined yet
	}
	if verify {
		sc.s.log.Warn("proving: the period's proof was mined but the chain has no proof of the period (it landed in another); proving it again",
			"slotId", slot, "period", period)
		ps.proveAgain(period)
	}
	chainDue := st.ProofRequired || st.WillProofBeRequired
	if chainDue {
		sc.markDue(id, period)
	}
	if ours := clock.SlotChallenge(slot); ours != common.Hash(st.Challenge) {
		// The chain's head is not where we think (the ingestor lags), or a
		// hash we hold is wrong: the chain's challenge is the one to answer.
		sc.s.log.Warn("proving: computed challenge differs from the chain's; using the chain's", "slotId", slot,
			"block", clock.Block, "pointer", clock.Pointer(slot, period), "chainPointer", st.Pointer, "chainDue", chainDue)
		if !chainDue {
			return due{}, false
		}
		return due{id: id, slot: slot, period: period, challenge: st.Challenge}, true
	}
	if !chainDue {
		if sc.hits(clock, id, ps) {
			ps.skip = period + 1 // the fill's period: its own proof covers it
		}
		return due{}, false
	}
	return due{id: id, slot: slot, period: period, challenge: landing.SlotChallenge(slot)}, true
}

// verdict is the end of an agent whose slot the chain says is not ours to
// prove any more, or nil.
func (sc *scheduler) verdict(ctx context.Context, head persist.Head, id persist.ID, st contracts.SlotStatus) *fsm.Step {
	me := sc.s.cfg.Market.Account()
	ps := sc.slots[id]
	switch contracts.SlotState(st.State) {
	case contracts.SlotStateFilled:
		if st.Host == me {
			ps.gone = false
			return nil
		}
		return &fsm.Step{Outcome: fsm.Lost, Block: head.Number, Detail: "slot freed from us"}
	case contracts.SlotStateFree:
		// Never filled on this chain: a reorganisation took our fill out.
		// It usually comes back (the tx manager resends it), so keep the
		// slot rather than leave it filled by us with nobody proving;
		// unless it came back and reverted.
		reverted, err := sc.fx.fillReverted(ctx, contracts.SlotID(id))
		if err == nil && reverted {
			return &fsm.Step{Outcome: fsm.Lost, Block: head.Number, Detail: fillRevertedDetail}
		}
		if !ps.gone {
			sc.s.log.Warn("proving: "+errFillGone.Error(), "slotId", contracts.SlotID(id), "err", err)
			ps.gone = true
		}
		return nil
	case contracts.SlotStateFinished, contracts.SlotStatePaid:
		return &fsm.Step{Outcome: fsm.Done, Block: head.Number, Detail: "request ended (chain)"}
	case contracts.SlotStateCancelled:
		return &fsm.Step{Outcome: fsm.RequestCancelled, Block: head.Number, Detail: "request cancelled (chain)"}
	case contracts.SlotStateFailed:
		return &fsm.Step{Outcome: fsm.RequestFailed, Block: head.Number, Detail: "request failed (chain)"}
	}
	return &fsm.Step{Outcome: fsm.Lost, Block: head.Number, Detail: "slot freed from us (" + contracts.SlotState(st.State).String() + ")"}
}

// send builds the due proofs from the slots' files and submits them all.
func (sc *scheduler) send(ctx context.Context, dues []due) {
	if len(dues) == 0 {
		return
	}
	to := sc.s.cfg.Market.Address()
	calls := make([]txmgr.Call, 0, len(dues))
	built := make([]due, 0, len(dues))
	for _, d := range dues {
		p, err := sc.build(d)
		if err != nil {
			sc.s.log.Warn("proving: proof not built", "slotId", d.slot, "period", d.period, "err", err)
			continue
		}
		if sc.submit == nil {
			sc.sendOne(ctx, d, p)
			continue
		}
		d.purpose = sc.purposeOf(d)
		calls = append(calls, txmgr.Call{Purpose: d.purpose, To: &to, Data: sc.abi.PackSubmitProof(d.slot, contracts.BindingProof(p))})
		built = append(built, d)
	}
	if len(calls) == 0 {
		return
	}
	ctx, cancel := sc.callLimit(ctx)
	defer cancel()
	for i, err := range sc.submit.SubmitAll(ctx, calls) {
		sc.sent(built[i], err)
	}
}

// sendOne is the fallback without a ProofSubmitter: it waits for the
// receipt, so it is only for tools and tests with a plain sender.
func (sc *scheduler) sendOne(ctx context.Context, d due, p contracts.Proof) {
	_, err := sc.s.cfg.Market.SubmitProof(ctx, d.slot, p)
	sc.sent(d, err)
}

// sent records the outcome of sending d.
func (sc *scheduler) sent(d due, err error) {
	ps := sc.slots[d.id]
	switch {
	case err == nil:
		if ps != nil {
			// d.purpose may have a record from before (SubmitAll then sends
			// nothing): recheckSent reads how it ended
			ps.sent, ps.purpose = d.period+1, d.purpose
		}
		if m := sc.s.cfg.Metrics; m != nil {
			m.ProofsSubmitted.Inc()
		}
		sc.s.log.Info("proof submitted", "slotId", d.slot, "requestId", contracts.RequestID(psRequest(ps)), "period", d.period)
	case errors.Is(err, contracts.ErrProofAlreadySubmitted):
		if ps != nil {
			ps.sent, ps.purpose = d.period+1, ""
		}
	default:
		sc.s.log.Warn("proving: proof not submitted; the next block tries again", "slotId", d.slot, "period", d.period, "err", err)
	}
}

func psRequest(ps *provingSlot) persist.ID {
	if ps == nil {
		return persist.ID{}
	}
	return ps.request
}

// proofPurpose is the tx record purpose of a proof: the one
// EthMarket.SubmitProof uses, so a proof is never sent twice either way.
func proofPurpose(slot contracts.SlotID, period uint64) string {
	return fmt.Sprintf("%s%d", proofPrefix(slot), period)
}

// build answers challenge from the slot's held data.
func (sc *scheduler) build(d due) (contracts.Proof, error) {
	_, tree, data, err := sc.fx.held(d.slot)
	if err != nil {
		return contracts.Proof{}, err
	}
	defer data.Close()
	p, err := proof.Prove(tree, data, d.challenge, proof.Hash(d.slot), sc.fx.samples)
	if err != nil {
		return contracts.Proof{}, fmt.Errorf("build proof: %w", err)
	}
	return contracts.ToContractProof(p), nil
}

// observe takes a committed event: a proof of ours marked missing is
// counted and warned of (the chain says so only in its log), and a held
// slot that was freed is warned of and looked at on chain in the next
// round. The WARN lines say what it cost, which takes chain reads: they
// are written in the background, not on the ingestor's goroutine.
func (sc *scheduler) observe(ev contracts.Event) {
	switch e := ev.(type) {
	case *contracts.SlotFreed:
		id := persist.ID(contracts.GetSlotID(e.RequestID, e.SlotIndex))
		a := sc.s.agents.Get(id)
		if a == nil {
			return
		}
		switch a.State() {
		case fsm.Filled, fsm.Proving, fsm.Payout:
			// The contract frees a filled slot only after its last slash.
			// (Payout: the free failed the request, which the agent saw
			// first.) The ingestor also reports a fill a reorganisation took
			// out as freed: then the slot is Free, and nothing was lost yet.
			request, slot := e.RequestID, contracts.SlotID(id)
			sc.s.background(func(ctx context.Context) {
				if st, err := sc.s.cfg.Market.SlotState(ctx, slot); err == nil && st == contracts.SlotStateFree {
					return
				}
				sc.fx.warnLost(ctx, request, slot)
			})
		}
		if a.State() == fsm.Proving {
			sc.mu.Lock()
			sc.flagged[id] = true
			sc.mu.Unlock()
		}
	case *contracts.ProofMarkedMissing:
		a := sc.s.agents.Get(persist.ID(e.SlotID))
		if a == nil || !fsm.IsLive(a.State()) {
			return
		}
		request, slot, period := contracts.RequestID(a.RequestID()), e.SlotID, e.Period
		sc.s.background(func(ctx context.Context) { sc.fx.warnMissed(ctx, request, slot, period) })
		if m := sc.s.cfg.Metrics; m != nil {
			m.ProofsMissed.Inc()
		}
		// The mark slashed us: the next round reads the slot's status, so
		// the collateral figure follows at once, not at the next full read.
		sc.mu.Lock()
		sc.flagged[persist.ID(e.SlotID)] = true
		sc.mu.Unlock()
	}
}
