// Package txmgr is slotd's transaction manager: a contracts.Sender that
// persists every transaction's intent before it is broadcast, so that a
// purpose ("fill:0x…", "proof:0x…:17") is never sent as two transactions
// that could both succeed, whatever crashes, RPC failures or fee spikes
// happen in between.
//
// Send first looks up the purpose's record in the store:
//
//   - mined (successfully or not): it returns that receipt (and the decoded
//     revert) without sending anything;
//   - pending: it waits for that same transaction, never a second one;
//   - replaced (its nonce was used by a transaction that is none of ours, so
//     it can never be mined): it sends anew;
//   - none: it estimates gas (a revert here returns the decoded contract
//     error and persists nothing), takes the next nonce, signs, persists the
//     intent (nonce, signed bytes, hash, fees) in one Store.Update, and only
//     then broadcasts.
//
// Pending transactions are rebroadcast now and then, and one not mined
// within Config.BumpAfter is re-signed at the SAME nonce with both fees
// raised (by at least the 10% geth's pool demands); every hash a purpose
// was signed under is kept, so whichever of them is mined is found. Since
// all of them share one nonce, at most one can be. On Start the manager
// reconciles what a previous run left pending: by receipt of any of its
// hashes, else by the account's nonce (a nonce that has moved past the
// record without any of its hashes being mined marks it replaced), else by
// rebroadcasting it. Pending records another key signed (the node was
// restarted with a new one) are settled by receipt, or else abandoned: never
// waited on, bumped or counted in this account's nonces, and a later Send of
// their purpose signs anew with this key.
//
// A mined record whose block a reorganisation took out goes back to
// pending (looked for at once when the node calls Reorged): re-signed at
// its nonce with fresh gas if its old limit no longer covers it, and, for
// a purpose Config.Resend says must happen, sent anew if it then reverts
// with nobody waiting (reorg.go).
package txmgr

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/hashicorp/go-hclog"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/node/outage"
	"github.com/slotd/slotd/persist"
	"github.com/slotd/slotd/retry"
)

// Backend is the part of an Ethereum client the manager uses;
// *ethclient.Client and the simulated backend's client satisfy it.
type Backend interface {
	ChainID(ctx context.Context) (*big.Int, error)
	HeaderByNumber(ctx context.Context, number *big.Int) (*types.Header, error)
	SuggestGasTipCap(ctx context.Context) (*big.Int, error)
	EstimateGas(ctx context.Context, msg ethereum.CallMsg) (uint64, error)
	CallContract(ctx context.Context, msg ethereum.CallMsg, block *big.Int) ([]byte, error)
	PendingNonceAt(ctx context.Context, account common.Address) (uint64, error)
	NonceAt(ctx context.Context, account common.Address, block *big.Int) (uint64, error)
	SendTransaction(ctx context.Context, tx *types.Transaction) error
	TransactionReceipt(ctx context.Context, hash common.Hash) (*types.Receipt, error)
}

// Config is what a Manager needs. Client, Store and Key are required.
type Config struct {
	Client Backend
	Store  *persist.Store
	Key    *ecdsa.PrivateKey
	// PollInterval is how often pending transactions are checked for a
	// receipt (default 1s).
	PollInterval time.Duration
	// RebroadcastInterval is how often a pending transaction is sent to the
	// provider again, in case it lost it (default 1m).
	RebroadcastInterval time.Duration
	// BumpAfter is how long a transaction may stay unmined before it is
	// replaced by one with higher fees at the same nonce (default 3m).
	BumpAfter time.Duration
	// BumpPercent is how much each bump raises both the tip and the fee
	// cap (default 25; at least 10, which geth's pool requires).
	BumpPercent int
	// MaxFeeCap, if set, is the highest fee cap (wei per gas) the manager
	// signs; a bump that would go above it is not made.
	MaxFeeCap *big.Int
	// GasMarginPercent is added to the gas estimate (default 20).
	GasMarginPercent int
	// NonceDepth is how many blocks deep the account's nonce must have
	// passed a pending record, with none of the record's hashes mined, for
	// the record to count as replaced (default 3). It guards against a
	// provider whose receipts lag behind its nonces, which would otherwise
	// make a mined transaction look replaced and get its purpose sent again.
	NonceDepth uint64
	// Retain is how long a settled record (mined, failed or replaced) is
	// kept before the background loop deletes it (default 1h; negative
	// keeps every record). Without it the store would grow by one record
	// (a few kB of signed proof) per slot per period. Within Retain a
	// second Send of a purpose returns the first receipt; after it the
	// purpose may be sent again, and the Marketplace refuses a second
	// fill, proof, mark, free, withdraw or request at gas estimation, so
	// nothing is broadcast (a second approve only sets the same
	// allowance). Keep it well above the chain's finality: a reorg deeper
	// than Retain could take back a transaction whose record is gone.
	Retain time.Duration
	// KeepRawDepth is how many blocks deep a mined record's block must be
	// before the record drops its signed bytes and earlier signings,
	// keeping purpose, nonce, hash, status, block and fees (default 128,
	// the ingestor's deepest survivable reorg). Until then a reorg that
	// takes the block out gets the same signed transaction rebroadcast;
	// after it a record is a few hundred bytes instead of kilobytes of
	// signed proof. Replaced records drop them at once (they can never be
	// mined); failed ones keep them, to decode the revert for a later
	// Send, until Retain prunes them.
	KeepRawDepth uint64
	// Resend reports whether purpose must happen even after its sender
	// saw it succeed (a payout, a proof): when such a transaction is taken
	// out by a reorganisation and then reverts where it lands again, with
	// nobody waiting for it, the manager sends it anew if the chain
	// accepts it at estimation, and logs an error if not. Nil: none; a
	// revert of a transaction nobody waits for is then only logged.
	Resend func(purpose string) bool
	// ReconcileLater makes Start return once it knows the nonce and leave
	// the reconcile of pending records to the background loop's first
	// pass. That reconcile costs a receipt read and a store commit per
	// record, thousands for a host that stopped with its proofs in
	// flight, and the node's roles need not wait for it: a Send of a
	// pending purpose takes the same purpose lock and finds the record
	// settled or still pending.
	ReconcileLater bool
	// LogConfirmed names the purposes whose success the node learns from
	// the chain's logs (SettledByLog): their receipts are read only once
	// they are LogGrace blocks old without one (logs.go). Nil: none.
	LogConfirmed func(purpose string) bool
	// LogGrace is how many blocks a log-confirmed record waits for its log
	// before its receipt is read (default 16; keep it above the ingestor's
	// confirmations).
	LogGrace uint64
	// Logger gets what the manager has to say (default: nothing).
	Logger hclog.Logger
}

// Errors.
var (
	errTooDeep = errors.New("reorganised out after its signed bytes were dropped")
	// ErrNotStarted: Send was called before Start or after Stop.
	ErrNotStarted = errors.New("txmgr: not started")
	// ErrReplaced: the purpose's nonce was used by a transaction that is
	// none of this purpose's, so its transaction can never be mined.
	ErrReplaced = errors.New("nonce used by another transaction")
)

// Manager is the tx manager. Create it with New, Start it, and Stop it when
// the node shuts down. Its methods are safe for concurrent use.
type Manager struct {
	cfg     Config
	log     hclog.Logger
	from    common.Address
	chainID *big.Int
	signer  types.Signer

	purposes keyedMutex // one operation per purpose at a time

	mu        sync.Mutex
	started   bool
	starting  bool                 // a Start is under way
	next      uint64               // next nonce to sign with
	pending   map[string]struct{}  // purposes with a pending record
	waiting   map[string]int       // purposes a Send is waiting on (it tends them)
	broadcast map[string]time.Time // when each pending purpose is due to be sent again
	compact   map[string]uint64    // settled purposes still holding signed bytes: their block
	signedAt  map[string]uint64    // pending purposes signed in this run: the head then
	sentHead  map[string]uint64    // pending purposes: the head at their last broadcast
	unlogged  map[string]struct{}  // purposes RevertedLog put back, until a poll sees them pending
	stop      context.CancelFunc
	done      chan struct{}
	reorged   chan struct{} // Reorged's poke: look for orphans now

	nonceMu sync.Mutex // held from taking a nonce until its record is stored

	// minedMu guards the last minedNonce read, which serves every caller
	// for one PollInterval: each waiting Send and the loop tend once per
	// poll, and one read of the head and the nonce serves them all.
	minedMu   sync.Mutex
	minedAt   time.Time
	minedLast uint64
	head      uint64 // the head block of the last read

	trouble outage.Log // tendAll's failures; only the loop (or Start, before it) tends
}

var _ contracts.Sender = (*Manager)(nil)

// New checks cfg and returns a Manager. It does no I/O.
func New(cfg Config) (*Manager, error) {
	switch {
	case cfg.Client == nil:
		return nil, errors.New("txmgr: Config.Client is required")
	case cfg.Store == nil:
		return nil, errors.New("txmgr: Config.Store is required")
	case cfg.Key == nil:
		return nil, errors.New("txmgr: Config.Key is required")
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.RebroadcastInterval <= 0 {
		cfg.RebroadcastInterval = time.Minute
	}
	if cfg.BumpAfter <= 0 {
		cfg.BumpAfter = 3 * time.Minute
	}
	if cfg.BumpPercent == 0 {
		cfg.BumpPercent = 25
	}
	if cfg.BumpPercent < 10 {
		return nil, fmt.Errorf("txmgr: BumpPercent %d is below the 10%% a replacement needs", cfg.BumpPercent)
	}
	if cfg.GasMarginPercent <= 0 {
		cfg.GasMarginPercent = 20
	}
	if cfg.NonceDepth == 0 {
		cfg.NonceDepth = 3
	}
	if cfg.Retain == 0 {
		cfg.Retain = time.Hour
	}
	if cfg.LogGrace == 0 {
		cfg.LogGrace = 16
	}
	if cfg.KeepRawDepth == 0 {
		cfg.KeepRawDepth = 128
	}
	log := cfg.Logger
	if log == nil {
		log = hclog.NewNullLogger()
	}
	return &Manager{
		cfg: cfg, log: log, from: crypto.PubkeyToAddress(cfg.Key.PublicKey),
		pending: map[string]struct{}{}, waiting: map[string]int{}, broadcast: map[string]time.Time{},
		compact: map[string]uint64{}, signedAt: map[string]uint64{}, sentHead: map[string]uint64{}, unlogged: map[string]struct{}{}, reorged: make(chan struct{}, 1),
		trouble: outage.Log{What: "checking pending transactions"},
	}, nil
}

// From is the account the manager signs for.
func (m *Manager) From() common.Address { return m.from }

// Start reads the chain id and the account's nonce, reconciles the records
// a previous run left pending (see the package comment) and starts the
// background loop that rebroadcasts and bumps pending transactions. It fails
// only when the chain cannot be reached for the chain id and nonce; trouble
// with single records is logged and retried by the loop.
func (m *Manager) Start(ctx context.Context) error {
	m.mu.Lock()
	if m.started || m.starting {
		m.mu.Unlock()
		return errors.New("txmgr: already started")
	}
	// Start reads the chain and the store before it is started: a second
	// Start meanwhile must not pass the check too and run a second loop.
	m.starting = true
	m.mu.Unlock()
	defer func() { m.mu.Lock(); m.starting = false; m.mu.Unlock() }()
	id, err := m.cfg.Client.ChainID(ctx)
	if err != nil {
		return fmt.Errorf("txmgr: chain id: %w", err)
	}
	chainNext, err := m.cfg.Client.PendingNonceAt(ctx, m.from)
	if err != nil {
		return fmt.Errorf("txmgr: nonce of %s: %w", m.from, err)
	}
	next, pending, foreign, compact, err := m.scanRecords(chainNext)
	if err != nil {
		return err
	}
	if err := m.settleForeign(ctx, foreign); err != nil {
		return fmt.Errorf("txmgr: reconcile the previous key's transactions: %w", err)
	}
	m.mu.Lock()
	m.chainID, m.signer, m.next = id, types.LatestSignerForChainID(id), next
	for _, p := range pending {
		m.pending[p] = struct{}{}
	}
	m.compact = compact
	m.started = true
	loopCtx, cancel := context.WithCancel(context.Background())
	m.stop, m.done = cancel, make(chan struct{})
	m.mu.Unlock()
	m.log.Info("tx manager started", "account", m.from, "nonce", next, "pending", len(pending))

	if m.cfg.ReconcileLater {
		go func() {
			m.tendAll(loopCtx)
			m.loop(loopCtx)
		}()
		return nil
	}
	// Reconcile before returning, so a caller that starts sending next
	// finds the records settled where the chain allows it.
	m.tendAll(ctx)
	go m.loop(loopCtx)
	return nil
}

// Stop ends the background loop and waits for it. Pending records stay in
// the store for the next Start; Send fails with ErrNotStarted afterwards.
func (m *Manager) Stop() {
	m.mu.Lock()
	if !m.started {
		m.mu.Unlock()
		return
	}
	m.started = false
	stop, done := m.stop, m.done
	m.mu.Unlock()
	stop()
	<-done
}

func (m *Manager) loop(ctx context.Context) {
	defer close(m.done)
	t := time.NewTicker(m.cfg.PollInterval)
	defer t.Stop()
	var pruned, revived, compacted time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			m.tendAll(ctx)
		case <-m.reorged:
			m.reestimatePending(ctx)
			revived = time.Time{}
		}
		if time.Since(compacted) >= 10*m.cfg.PollInterval {
			if err := m.compactSettled(ctx); err != nil && ctx.Err() == nil {
				m.log.Debug("compacting settled tx records failed; will retry", "err", err)
			}
			compacted = time.Now()
		}
		if m.cfg.Retain > 0 && time.Since(pruned) >= min(m.cfg.Retain/2, 10*time.Minute) {
			m.prune(ctx)
			pruned = time.Now()
		}
		if time.Since(revived) >= m.cfg.RebroadcastInterval {
			if err := m.reviveOrphans(ctx); err != nil && ctx.Err() == nil {
				m.log.Debug("looking for reorganised-out transactions failed; will retry", "err", err)
			}
			revived = time.Now()
			m.tendAll(ctx) // rebroadcast what was revived without waiting a poll
		}
	}
}

// tendAll looks after every pending record once.
func (m *Manager) tendAll(ctx context.Context) {
	m.mu.Lock()
	purposes := make([]string, 0, len(m.pending))
	var waited []string // a Send tends these; the stall check looks at them too
	for p := range m.pending {
		if m.waiting[p] == 0 {
			purposes = append(purposes, p)
		} else {
			waited = append(waited, p)
		}
	}
	m.mu.Unlock()
	if len(purposes)+len(waited) > 0 {
		// One head read a poll ages the log-confirmed records.
		_, _ = m.minedNonce(ctx)
	}
	var failed error
	stalled := ""
	for _, p := range purposes {
		if ctx.Err() != nil {
			return
		}
		unlock := m.purposes.lock(p)
		rec, err := m.record(p)
		if err == nil && rec.Status == persist.TxPending && stalled == "" && m.stalled(rec) {
			stalled = p
		}
		switch {
		case err == nil && rec.Status != persist.TxPending:
			m.settledUnlessUnlogged(&rec) // by its log, or by a Send
		case err == nil && m.leftToLog(rec):
			m.rebroadcastIfDue(ctx, &rec)
		case err == nil:
			m.mu.Lock()
			delete(m.unlogged, p)
			m.mu.Unlock()
			var mined uint64
			if mined, err = m.minedNonce(ctx); err == nil {
				_, _, err = m.tend(ctx, &rec, mined)
			}
			if (retry.IsFinal(err) || errors.Is(err, contracts.ErrReverted)) && m.mustResend(rec) {
				if m.resendFailed(ctx, &rec, err) == nil {
					err = nil
				}
			}
		}
		unlock()
		switch {
		case err == nil, errors.Is(err, ErrReplaced):
		case retry.IsFinal(err), errors.Is(err, contracts.ErrReverted):
			// The chain's answer, not trouble: a resent transaction
			// nobody waits for (one a reorganisation took out) may revert.
			m.log.Warn("transaction reverted", "purpose", p, "err", err)
		case failed == nil:
			failed = fmt.Errorf("%s: %w", p, err)
		}
	}
	m.trouble.Note(m.log, failed, "pending", len(purposes))
	for _, p := range waited {
		if stalled != "" {
			break
		}
		if rec, err := m.record(p); err == nil && rec.Status == persist.TxPending && m.stalled(rec) {
			stalled = p
		}
	}
	if stalled != "" {
		m.log.Warn("the account's next nonce is not mined blocks after its broadcast; taking the provider's pool for lost (a reorganisation the node did not see?) and sending every pending transaction again",
			"purpose", stalled)
		m.mu.Lock()
		clear(m.sentHead) // each pending record is timed again from its resend
		m.mu.Unlock()
		m.Reorged()
	}
}

// stallBlocks is how many blocks past NonceDepth the transaction at the
// account's next nonce may stay unmined after its broadcast before the
// manager takes the provider's copy for lost. A reorganisation that takes
// out a block before the node's ingestor saw it tells nobody, and a
// provider that drops reorganised-out transactions (anvil) then leaves a
// nonce gap that every later transaction of the account waits behind
// until RebroadcastInterval (campaign seed 202298767324335: proofs marked
// missing for two periods behind it).
const stallBlocks = 2

// stalled: rec holds the nonce the account's next transaction must have
// (as minedNonce read it this poll, NonceDepth below the head), and the
// chain has not mined it for stallBlocks blocks since the first poll after
// its last broadcast (whose head read is fresh, unlike the one at the
// broadcast, which may be from long before).
func (m *Manager) stalled(rec persist.TxRecord) bool {
	m.minedMu.Lock()
	head, mined, read := m.head, m.minedLast, !m.minedAt.IsZero()
	m.minedMu.Unlock()
	if !read {
		return false
	}
	m.mu.Lock()
	at, seen := m.sentHead[rec.Purpose]
	if !seen {
		m.sentHead[rec.Purpose] = head
	}
	m.mu.Unlock()
	return seen && rec.Nonce == mined && head >= at+m.cfg.NonceDepth+stallBlocks && len(rec.Raw) > 0 && !m.foreign(rec)
}

// Send implements contracts.Sender; see the package comment. It returns when
// the transaction is mined or ctx ends; in the latter case the transaction
// stays pending (the background loop keeps after it), and a later Send of
// the same purpose picks it up.
func (m *Manager) Send(ctx context.Context, purpose string, to *common.Address, data []byte) (*types.Receipt, error) {
	if purpose == "" {
		return nil, errors.New("txmgr: empty purpose")
	}
	for attempt := 0; ; attempt++ {
		rc, err := m.send(ctx, purpose, to, data)
		if !errors.Is(err, ErrReplaced) || attempt == 2 {
			return rc, err
		}
		m.log.Warn("transaction's nonce was used by another transaction; sending anew", "purpose", purpose, "err", err)
	}
}

func (m *Manager) send(ctx context.Context, purpose string, to *common.Address, data []byte) (*types.Receipt, error) {
	m.mu.Lock()
	started := m.started
	m.mu.Unlock()
	if !started {
		return nil, ErrNotStarted
	}
	unlock := m.purposes.lock(purpose)
	rec, err := m.record(purpose)
	switch {
	case errors.Is(err, persist.ErrNotFound) || err == nil && (rec.Status == persist.TxReplaced || rec.Status == persist.TxAbandoned):
		if rec, err = m.create(ctx, purpose, to, data); err != nil {
			unlock()
			return nil, fmt.Errorf("%s: %w", purpose, err)
		}
		m.send1(ctx, &rec)
	case err != nil:
		unlock()
		return nil, fmt.Errorf("%s: %w", purpose, err)
	case m.mustResend(rec):
		// Its owner sends it again (a payout still waiting): a failed
		// receipt would only be handed back to it for ever.
		if err := m.resendIfStillFailed(ctx, &rec); err != nil {
			unlock()
			return nil, fmt.Errorf("%s: %w", purpose, err)
		}
	case rec.Status == persist.TxMined || rec.Status == persist.TxFailed:
		rc, err := m.recheck(ctx, &rec)
		if rc != nil || err != nil {
			unlock()
			if err != nil {
				return rc, fmt.Errorf("%s: %w", purpose, err)
			}
			return rc, nil
		}
	}
	unlock()
	return m.wait(ctx, purpose)
}

// recheck looks again at a settled (mined or failed) record: with its
// receipt still on the chain it returns that and the outcome; otherwise a
// reorganisation took the block out and the record goes back to pending
// (rc nil).
func (m *Manager) recheck(ctx context.Context, rec *persist.TxRecord) (*types.Receipt, error) {
	rc, hash, err := m.receipt(ctx, rec)
	if err != nil {
		return nil, err
	}
	if rc == nil {
		return nil, m.repend(ctx, rec)
	}
	return rc, m.outcome(ctx, rec, hash, rc)
}

// wait tends purpose's pending record until it is settled or ctx ends.
func (m *Manager) wait(ctx context.Context, purpose string) (*types.Receipt, error) {
	m.mu.Lock()
	m.waiting[purpose]++
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		if m.waiting[purpose]--; m.waiting[purpose] == 0 {
			delete(m.waiting, purpose)
		}
		m.mu.Unlock()
	}()
	t := time.NewTicker(m.cfg.PollInterval)
	defer t.Stop()
	for {
		unlock := m.purposes.lock(purpose)
		rec, err := m.record(purpose)
		var rc *types.Receipt
		done := false
		switch {
		case err != nil:
		case rec.Status == persist.TxPending:
			var mined uint64
			if mined, err = m.minedNonce(ctx); err == nil {
				rc, done, err = m.tend(ctx, &rec, mined)
			}
		case rec.Status == persist.TxReplaced || rec.Status == persist.TxAbandoned:
			done, err = true, ErrReplaced
		default:
			// Settled by the background loop meanwhile.
			rc, err = m.recheck(ctx, &rec)
			done = rc != nil
		}
		unlock()
		if done {
			if err != nil && !errors.Is(err, ErrReplaced) {
				err = fmt.Errorf("%s: %w", purpose, err)
			}
			return rc, err
		}
		if err != nil && ctx.Err() == nil {
			m.log.Debug("pending transaction: check failed, will retry", "purpose", purpose, "err", err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%s: transaction %s (nonce %d) still pending; it is kept and will be picked up by the next Send: %w",
				purpose, common.Hash(rec.Hash), rec.Nonce, ctx.Err())
		case <-t.C:
		}
	}
}

// repend puts a mined record whose receipt is gone (a reorg took its block
// out) back to pending: the same signed transaction is waited for and
// rebroadcast, the pool having usually taken it back already; unless
// regas finds it needs more gas now, and re-signs it at its nonce.
func (m *Manager) repend(ctx context.Context, rec *persist.TxRecord) error {
	if m.foreign(*rec) {
		// Another key's nonce: never waited on or bumped with this key.
		m.log.Warn("mined transaction of the previous key left the chain; abandoned", "purpose", rec.Purpose, "hash", common.Hash(rec.Hash))
		rec.Status, rec.Block, rec.Settled = persist.TxAbandoned, 0, time.Now().UTC()
		return m.put(ctx, *rec)
	}
	if len(rec.Raw) == 0 {
		m.log.Error("mined transaction left the chain after its record was compacted (a reorg deeper than KeepRawDepth); not sending it again",
			"purpose", rec.Purpose, "hash", common.Hash(rec.Hash), "block", rec.Block, "keepRawDepth", m.cfg.KeepRawDepth)
		return fmt.Errorf("transaction %s left the chain from block %d, deeper than KeepRawDepth %d: %w", common.Hash(rec.Hash), rec.Block, m.cfg.KeepRawDepth, errTooDeep)
	}
	m.log.Warn("mined transaction left the chain; waiting for it again", "purpose", rec.Purpose, "hash", common.Hash(rec.Hash))
	if err := m.regas(ctx, rec); err != nil {
		m.log.Warn("reorganised-out transaction not re-estimated; its signed bytes go out again as they are", "purpose", rec.Purpose, "err", err)
	}
	rec.Status, rec.Block, rec.Sent, rec.Settled = persist.TxPending, 0, time.Now().UTC(), time.Time{} // the bump timer restarts
	rec.Reorged++
	if err := m.put(ctx, *rec); err != nil {
		return err
	}
	m.mu.Lock()
	m.pending[rec.Purpose] = struct{}{}
	m.mu.Unlock()
	return nil
}

// record reads purpose's record.
func (m *Manager) record(purpose string) (persist.TxRecord, error) {
	var rec persist.TxRecord
	err := m.cfg.Store.View(func(tx *persist.Tx) error {
		var err error
		rec, err = tx.TxRecord(purpose)
		return err
	})
	return rec, err
}

func (m *Manager) put(ctx context.Context, rec persist.TxRecord) error {
	if err := m.cfg.Store.Update(ctx, func(tx *persist.Tx) error { return tx.PutTxRecord(rec) }); err != nil {
		return fmt.Errorf("store tx record: %w", err)
	}
	return nil
}

// create estimates, signs and persists a new transaction for purpose.
func (m *Manager) create(ctx context.Context, purpose string, to *common.Address, data []byte) (persist.TxRecord, error) {
	f, err := m.readFees(ctx)
	if err != nil {
		return persist.TxRecord{}, err
	}
	return m.createWith(ctx, f, purpose, to, data, 0)
}

// feeQuote is what a new transaction's signing reads from the chain
// besides its gas: read once, it serves any number of signings.
type feeQuote struct {
	tip, feeCap *big.Int
	chainNext   uint64 // the chain's pending nonce
}

func (m *Manager) readFees(ctx context.Context) (feeQuote, error) {
	tip, feeCap, err := m.fees(ctx)
	if err != nil {
		return feeQuote{}, err
	}
	chainNext, err := m.cfg.Client.PendingNonceAt(ctx, m.from)
	if err != nil {
		return feeQuote{}, fmt.Errorf("nonce: %w", err)
	}
	return feeQuote{tip: tip, feeCap: feeCap, chainNext: chainNext}, nil
}

// createWith is create with the fees and nonce already read; a gas limit
// other than 0 is signed as it is, without an estimate.
func (m *Manager) createWith(ctx context.Context, f feeQuote, purpose string, to *common.Address, data []byte, gas uint64) (persist.TxRecord, error) {
	if gas == 0 {
		var err error
		if gas, err = m.estimate(ctx, to, data); err != nil {
			return persist.TxRecord{}, err
		}
	}
	tip, feeCap := f.tip, f.feeCap

	m.nonceMu.Lock()
	defer m.nonceMu.Unlock()
	m.mu.Lock()
	nonce := max(m.next, f.chainNext)
	m.mu.Unlock()
	signed, err := types.SignNewTx(m.cfg.Key, m.signer, &types.DynamicFeeTx{
		ChainID: m.chainID, Nonce: nonce, GasTipCap: tip, GasFeeCap: feeCap, Gas: gas, To: to, Data: data,
	})
	if err != nil {
		return persist.TxRecord{}, fmt.Errorf("sign: %w", err)
	}
	rec, err := recordOf(purpose, m.from, signed)
	if err != nil {
		return persist.TxRecord{}, err
	}
	// The intent is durable before anything leaves the process.
	if err := m.put(ctx, rec); err != nil {
		return persist.TxRecord{}, err
	}
	m.minedMu.Lock()
	head := m.head
	m.minedMu.Unlock()
	m.mu.Lock()
	m.next = nonce + 1
	m.pending[purpose] = struct{}{}
	m.signedAt[purpose] = head
	m.mu.Unlock()
	m.log.Info("transaction signed", "purpose", purpose, "hash", signed.Hash(), "nonce", nonce,
		"gas", gas, "tip", tip, "feeCap", feeCap)
	return rec, nil
}

// recordOf is the pending record of signed, which from signed.
func recordOf(purpose string, from common.Address, signed *types.Transaction) (persist.TxRecord, error) {
	raw, err := signed.MarshalBinary()
	if err != nil {
		return persist.TxRecord{}, fmt.Errorf("encode tx: %w", err)
	}
	rec := persist.TxRecord{
		Purpose: purpose, Nonce: signed.Nonce(), Hash: persist.ID(signed.Hash()), Raw: raw, From: persist.Address(from),
		Value: signed.Value(), GasFeeCap: signed.GasFeeCap(), GasTipCap: signed.GasTipCap(),
		Status: persist.TxPending, Sent: time.Now().UTC(),
	}
	if to := signed.To(); to != nil {
		rec.To = persist.Address(*to)
	}
	return rec, nil
}

// fees are the tip and fee cap for a new transaction: the suggested tip and
// room for the base fee to double.
func (m *Manager) fees(ctx context.Context) (tip, feeCap *big.Int, err error) {
	tip, err = m.cfg.Client.SuggestGasTipCap(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("gas tip: %w", err)
	}
	head, err := m.cfg.Client.HeaderByNumber(ctx, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("head: %w", err)
	}
	// A signing ages its log-confirmed record from the head (signedAt):
	// after a quiet spell the polls have read none for many blocks.
	m.minedMu.Lock()
	m.head = max(m.head, head.Number.Uint64())
	m.minedMu.Unlock()
	base := head.BaseFee
	if base == nil {
		base = new(big.Int)
	}
	feeCap = new(big.Int).Add(tip, new(big.Int).Mul(base, big.NewInt(2)))
	if c := m.cfg.MaxFeeCap; c != nil && feeCap.Cmp(c) > 0 {
		feeCap = new(big.Int).Set(c)
		if tip.Cmp(feeCap) > 0 {
			tip = new(big.Int).Set(feeCap)
		}
	}
	return tip, feeCap, nil
}

// send1 broadcasts rec's latest signing and schedules the next broadcast:
// after RebroadcastInterval, or sooner if this one failed.
func (m *Manager) send1(ctx context.Context, rec *persist.TxRecord) {
	tx := new(types.Transaction)
	if err := tx.UnmarshalBinary(rec.Raw); err != nil {
		m.log.Error("stored transaction does not decode", "purpose", rec.Purpose, "err", err)
		return
	}
	err := m.cfg.Client.SendTransaction(ctx, tx)
	again := m.cfg.RebroadcastInterval
	if err != nil && !matches(err, "already known", "alreadyknown", "known transaction") {
		again = min(again, 5*m.cfg.PollInterval)
	}
	m.mu.Lock()
	m.broadcast[rec.Purpose] = time.Now().Add(again)
	delete(m.sentHead, rec.Purpose) // the next poll's head counts for it
	m.mu.Unlock()
	switch {
	case err == nil:
		m.log.Debug("transaction broadcast", "purpose", rec.Purpose, "hash", tx.Hash(), "nonce", tx.Nonce())
	case matches(err, "already known", "alreadyknown", "known transaction"):
	case matches(err, "nonce too low", "noncetoolow", "oldnonce", "nonce is too low"):
		// Settled by the receipt and nonce checks of the next tend.
		m.log.Debug("broadcast: nonce already used", "purpose", rec.Purpose, "hash", tx.Hash())
	case matches(err, "insufficient funds"):
		m.log.Error("broadcast refused: the account cannot pay for the transaction; fund it",
			"purpose", rec.Purpose, "account", m.from, "hash", tx.Hash(), "err", err)
	default:
		m.log.Warn("broadcast failed; will retry", "purpose", rec.Purpose, "hash", tx.Hash(), "err", err)
	}
}

func matches(err error, subs ...string) bool {
	msg := strings.ToLower(err.Error())
	for _, s := range subs {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// receipt finds the receipt of whichever of rec's signings was mined.
func (m *Manager) receipt(ctx context.Context, rec *persist.TxRecord) (*types.Receipt, common.Hash, error) {
	return Receipt(ctx, m.cfg.Client, rec)
}

// ReceiptReader is the part of a client Receipt reads.
type ReceiptReader interface {
	TransactionReceipt(ctx context.Context, hash common.Hash) (*types.Receipt, error)
}

// Receipt finds the receipt of whichever of rec's signings (its hash, and
// the ones a fee bump superseded) was mined; their shared nonce lets at
// most one be. No receipt is (nil, zero, nil); errors other than "not
// found" are returned.
func Receipt(ctx context.Context, c ReceiptReader, rec *persist.TxRecord) (*types.Receipt, common.Hash, error) {
	hashes := append([]persist.ID{rec.Hash}, rec.Previous...)
	for _, h := range hashes {
		rc, err := c.TransactionReceipt(ctx, common.Hash(h))
		if errors.Is(err, ethereum.NotFound) {
			continue
		}
		if err != nil {
			return nil, common.Hash{}, fmt.Errorf("receipt of %s: %w", common.Hash(h), err)
		}
		return rc, common.Hash(h), nil
	}
	return nil, common.Hash{}, nil
}

// minedNonce is the account's nonce NonceDepth blocks below the head.
// Callers read it before the receipts they check against it: if the nonce
// had moved past a record's NonceDepth blocks ago and still none of the
// record's hashes has a receipt, the nonce went to a transaction that is
// not ours. A value read earlier can only be lower, which only delays that
// verdict: so a read less than one PollInterval old is reused.
func (m *Manager) minedNonce(ctx context.Context) (uint64, error) {
	m.minedMu.Lock()
	if !m.minedAt.IsZero() && time.Since(m.minedAt) < m.cfg.PollInterval {
		defer m.minedMu.Unlock()
		return m.minedLast, nil
	}
	m.minedMu.Unlock()
	read := time.Now()
	mined, err := m.readMinedNonce(ctx)
	if err != nil {
		return 0, err
	}
	m.minedMu.Lock()
	if read.After(m.minedAt) {
		m.minedAt, m.minedLast = read, mined
	}
	m.minedMu.Unlock()
	return mined, nil
}

func (m *Manager) readMinedNonce(ctx context.Context) (uint64, error) {
	head, err := m.cfg.Client.HeaderByNumber(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("head: %w", err)
	}
	at := new(big.Int).Sub(head.Number, new(big.Int).SetUint64(m.cfg.NonceDepth))
	if at.Sign() < 0 {
		at.SetInt64(0)
	}
	mined, err := m.cfg.Client.NonceAt(ctx, m.from, at)
	if err != nil {
		return 0, fmt.Errorf("nonce: %w", err)
	}
	m.minedMu.Lock()
	m.head = max(m.head, head.Number.Uint64())
	m.minedMu.Unlock()
	return mined, nil
}

// tend looks after one pending record (the caller holds its purpose lock):
// it settles it by receipt or by nonce (mined, from minedNonce read before
// this call), or bumps or rebroadcasts it when due. done reports that the
// record is settled; rc and err are then what Send returns (err is
// ErrReplaced if the nonce went to another transaction).
func (m *Manager) tend(ctx context.Context, rec *persist.TxRecord, mined uint64) (rc *types.Receipt, done bool, err error) {
	rc, hash, err := m.receipt(ctx, rec)
	if err != nil {
		return nil, false, err
	}
	if rc != nil {
		rec.Status, rec.Block, rec.Settled = persist.TxMined, rc.BlockNumber.Uint64(), time.Now().UTC()
		if rc.Status != types.ReceiptStatusSuccessful {
			rec.Status = persist.TxFailed
		}
		if err := m.put(ctx, *rec); err != nil {
			return nil, false, err
		}
		m.settled(rec)
		m.log.Info("transaction mined", "purpose", rec.Purpose, "hash", hash, "block", rec.Block, "status", rec.Status)
		return rc, true, m.outcome(ctx, rec, hash, rc)
	}
	if mined > rec.Nonce {
		rec.Status, rec.Settled = persist.TxReplaced, time.Now().UTC()
		if err := m.put(ctx, *rec); err != nil {
			return nil, false, err
		}
		m.settled(rec)
		m.log.Warn("transaction's nonce was used by another transaction; it can never be mined",
			"purpose", rec.Purpose, "nonce", rec.Nonce, "hash", common.Hash(rec.Hash))
		return nil, true, fmt.Errorf("%s: nonce %d: %w", rec.Purpose, rec.Nonce, ErrReplaced)
	}
	if time.Since(rec.Sent) >= m.cfg.BumpAfter {
		bumped, err := m.bump(ctx, rec)
		if err != nil {
			return nil, false, err
		}
		if bumped {
			m.send1(ctx, rec)
			return nil, false, nil
		}
	}
	m.rebroadcastIfDue(ctx, rec)
	return nil, false, nil
}

// rebroadcastIfDue sends rec again when its broadcast is due.
func (m *Manager) rebroadcastIfDue(ctx context.Context, rec *persist.TxRecord) {
	m.mu.Lock()
	due := m.broadcast[rec.Purpose]
	m.mu.Unlock()
	if !time.Now().Before(due) {
		m.send1(ctx, rec)
	}
}

func (m *Manager) settled(rec *persist.TxRecord) {
	m.mu.Lock()
	delete(m.pending, rec.Purpose)
	delete(m.broadcast, rec.Purpose)
	delete(m.signedAt, rec.Purpose)
	delete(m.sentHead, rec.Purpose)
	if compactable(*rec) {
		m.compact[rec.Purpose] = rec.Block
	}
	m.mu.Unlock()
}

// bump re-signs rec at the same nonce with both fees raised by BumpPercent
// (and at least to what a new transaction would pay now), and stores it
// with the old hash kept in Previous. It reports false when MaxFeeCap
// leaves no room for a valid replacement.
func (m *Manager) bump(ctx context.Context, rec *persist.TxRecord) (bool, error) {
	old := new(types.Transaction)
	if err := old.UnmarshalBinary(rec.Raw); err != nil {
		return false, fmt.Errorf("stored transaction does not decode: %w", err)
	}
	tip, feeCap, ok, err := m.raisedFees(ctx, old)
	if err != nil {
		return false, err
	}
	if !ok {
		m.log.Warn("transaction is stuck but MaxFeeCap leaves no room to bump it; waiting another BumpAfter",
			"purpose", rec.Purpose, "feeCap", old.GasFeeCap(), "maxFeeCap", m.cfg.MaxFeeCap)
		rec.Sent = time.Now().UTC()
		return false, m.put(ctx, *rec)
	}
	next, err := m.resign(rec, old, old.Gas(), tip, feeCap)
	if err != nil {
		return false, err
	}
	if err := m.put(ctx, next); err != nil {
		return false, err
	}
	m.log.Warn("transaction not mined in time; replaced with higher fees at the same nonce",
		"purpose", rec.Purpose, "nonce", old.Nonce(), "old", common.Hash(rec.Hash), "new", common.Hash(next.Hash),
		"tip", tip, "feeCap", feeCap, "after", m.cfg.BumpAfter)
	*rec = next
	return true, nil
}

// raisedFees are the fees a replacement of old at its nonce signs with:
// both raised by BumpPercent, and at least what a new transaction would
// pay now. ok is false when MaxFeeCap leaves no room for a valid
// replacement.
func (m *Manager) raisedFees(ctx context.Context, old *types.Transaction) (tip, feeCap *big.Int, ok bool, err error) {
	tipNow, capNow, err := m.fees(ctx)
	if err != nil {
		return nil, nil, false, err
	}
	raise := func(x *big.Int) *big.Int {
		y := new(big.Int).Mul(x, big.NewInt(int64(100+m.cfg.BumpPercent)))
		y.Div(y, big.NewInt(100))
		return y.Add(y, big.NewInt(1)) // integer division must not land below +10%
	}
	tip = bigMax(raise(old.GasTipCap()), tipNow)
	feeCap = bigMax(raise(old.GasFeeCap()), capNow, tip)
	if c := m.cfg.MaxFeeCap; c != nil && feeCap.Cmp(c) > 0 {
		if raise(old.GasFeeCap()).Cmp(c) > 0 {
			return nil, nil, false, nil
		}
		feeCap = new(big.Int).Set(c)
		if tip.Cmp(feeCap) > 0 {
			tip = new(big.Int).Set(feeCap)
		}
	}
	return tip, feeCap, true, nil
}

func bigMax(xs ...*big.Int) *big.Int {
	r := xs[0]
	for _, x := range xs[1:] {
		if x.Cmp(r) > 0 {
			r = x
		}
	}
	return new(big.Int).Set(r)
}

// outcome is nil for a successful receipt, else the decoded revert.
func (m *Manager) outcome(ctx context.Context, rec *persist.TxRecord, hash common.Hash, rc *types.Receipt) error {
	if rc.Status == types.ReceiptStatusSuccessful {
		return nil
	}
	return fmt.Errorf("tx %s reverted: %w", hash, m.revertReason(ctx, rec, rc))
}

// revertReason replays a reverted transaction as a call in its block.
func (m *Manager) revertReason(ctx context.Context, rec *persist.TxRecord, rc *types.Receipt) error {
	tx := new(types.Transaction)
	if err := tx.UnmarshalBinary(rec.Raw); err != nil {
		return contracts.ErrReverted
	}
	_, err := m.cfg.Client.CallContract(ctx, ethereum.CallMsg{From: m.from, To: tx.To(), Data: tx.Data(), Value: tx.Value()}, rc.BlockNumber)
	if err == nil {
		return contracts.ErrReverted // e.g. out of gas: the call has more
	}
	var de interface{ ErrorData() any }
	if !errors.As(err, &de) {
		return contracts.ErrReverted
	}
	return contracts.DecodeCallError(err)
}

// keyedMutex is one mutex per key, created on demand and dropped when
// nobody holds or waits for it.
type keyedMutex struct {
	mu sync.Mutex
	m  map[string]*keyedEntry
}

type keyedEntry struct {
	mu   sync.Mutex
	refs int
}

func (k *keyedMutex) lock(key string) (unlock func()) {
	k.mu.Lock()
	if k.m == nil {
		k.m = map[string]*keyedEntry{}
	}
	e := k.m[key]
	if e == nil {
		e = &keyedEntry{}
		k.m[key] = e
	}
	e.refs++
	k.mu.Unlock()
	e.mu.Lock()
	return func() {
		e.mu.Unlock()
		k.mu.Lock()
		if e.refs--; e.refs == 0 {
			delete(k.m, key)
		}
		k.mu.Unlock()
	}
}
