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
// with nobody waiting; when the chain does not take it yet (Config.NotYet:
// a payout a reorganisation moved before its request's end) or the RPC
// fails, it stays owed and is tried again each poll, and after a restart
// (reorg.go).
package txmgr

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
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
	// NotYet reports whether the chain's refusal of such a resend is one
	// that time lifts (a payout whose request has not ended on the branch
	// it landed on): the manager then tries it again each poll, as it
	// does after an RPC failure, instead of giving it up. Nil: none.
	NotYet func(err error) bool
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
	owed      map[string]struct{}  // must-happen purposes whose resend the chain did not take yet (reorg.go)
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
		compact: map[string]uint64{}, signedAt: map[string]uint64{}, sentHead: map[string]uint64{}, unlogged: map[string]struct{}{}, owed: map[string]struct{}{}, reorged: make(chan struct{}, 1),
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
	next, pending, foreign, owed, compact, err := m.scanRecords(chainNext)
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
	for _, p := range owed {
		m.owed[p] = struct{}{}
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
