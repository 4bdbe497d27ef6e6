// Package contractstest runs the Marketplace on go-ethereum's simulated
// backend for tests: funded actors, deployed contracts, datasets with real
// trees, time travel, and fill/prove helpers that retry a moved challenge the
// way a host does.
package contractstest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"errors"
	"math/big"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	bind "github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
	"github.com/ethereum/go-ethereum/node"
	"github.com/hashicorp/go-hclog"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/contracts/bindings"
	"github.com/slotd/slotd/contracts/proof"
)

// Dataset is a request's slots with their trees, built like a client would.
type Dataset struct {
	Slots   []SlotData
	Roots   []common.Hash
	Content common.Hash
}

type SlotData struct {
	Data interface {
		ReadAt([]byte, int64) (int, error)
	}
	Tree *proof.SlotTree
}

func NewDataset(t testing.TB, seed uint64, n int, size int) Dataset {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 99))
	var ds Dataset
	for range n {
		b := make([]byte, size)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		tree, err := proof.BuildSlotTree(bytes.NewReader(b), uint64(size))
		if err != nil {
			t.Fatal(err)
		}
		ds.Slots = append(ds.Slots, SlotData{Data: bytes.NewReader(b), Tree: tree})
		ds.Roots = append(ds.Roots, tree.Root())
	}
	ds.Content = proof.ContentRoot(ds.Roots)
	return ds
}

type Actor struct {
	Key  *ecdsa.PrivateKey
	Addr common.Address
	M    *contracts.EthMarket
}

type Env struct {
	T         testing.TB
	Ctx       context.Context
	Sim       *simulated.Backend
	Chain     simulated.Client
	Cfg       contracts.Config
	Dep       contracts.Deployment
	Client    Actor
	Hosts     []Actor
	Validator Actor
	Deployer  *contracts.KeySender
	Nonce     byte

	mine sync.Mutex // the simulated beacon seals one block at a time
}

// Commit seals a block; safe to call from several goroutines.
func (e *Env) Commit() {
	e.mine.Lock()
	defer e.mine.Unlock()
	e.Sim.Commit()
}

// Mine seals n blocks in a row, with no other block sealed in between.
func (e *Env) Mine(n int) {
	e.mine.Lock()
	defer e.mine.Unlock()
	for range n {
		e.Sim.Commit()
	}
}

// Lock keeps Commit, Mine, Advance, AutoMine and the actors' senders from
// sealing blocks until Unlock, so that a test can Fork, Rollback or look at
// the pool undisturbed. While holding it, seal with Sim.Commit.
func (e *Env) Lock()   { e.mine.Lock() }
func (e *Env) Unlock() { e.mine.Unlock() }

// AutoMine seals a block every interval (each a chain second later than the
// last, so chain time runs faster than the wall clock) until stop is called.
func (e *Env) AutoMine(every time.Duration) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				e.Commit()
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

var HugeBalance = new(big.Int).Lsh(big.NewInt(1), 100)

// TestConfig proves every period (no downtime) so tests can count on it.
func TestConfig() contracts.Config {
	c := contracts.DefaultConfig()
	c.Proofs.Downtime = 0
	return c
}

// Options shape an Env beyond its config; the zero value is NewEnv's Env.
type Options struct {
	Hosts int // how many hosts; 3 when 0
	// NoTokens leaves the actors with ether only, and the chain with no
	// blocks after the deployment's (so with its base fee).
	NoTokens  bool
	NoCleanup bool // the caller closes Sim: for fixtures that outlive one test
	// GasLimit is the blocks' gas limit (0: the simulated backend's).
	GasLimit uint64
}

// NewEnv is a simulated chain with cfg's Marketplace deployed, a client,
// three hosts and a validator, all with ether and tokens.
func NewEnv(t testing.TB, cfg contracts.Config) *Env {
	t.Helper()
	return NewEnvWith(t, cfg, Options{})
}

// NewEnvWith is NewEnv shaped by o.
func NewEnvWith(t testing.TB, cfg contracts.Config, o Options) *Env {
	t.Helper()
	if o.Hosts == 0 {
		o.Hosts = 3
	}
	keys := make([]*ecdsa.PrivateKey, 3+o.Hosts)
	alloc := types.GenesisAlloc{}
	for i := range keys {
		keys[i], _ = crypto.GenerateKey()
		alloc[crypto.PubkeyToAddress(keys[i].PublicKey)] = types.Account{Balance: new(big.Int).Lsh(big.NewInt(1), 80)}
	}
	opts := []func(*node.Config, *ethconfig.Config){contracts.WithDevChainConfig()}
	if o.GasLimit > 0 {
		opts = append(opts, simulated.WithBlockGasLimit(o.GasLimit))
	}
	sim := simulated.NewBackend(alloc, opts...)
	if !o.NoCleanup {
		t.Cleanup(func() { sim.Close() })
	}
	e := &Env{T: t, Ctx: context.Background(), Sim: sim, Chain: sim.Client(), Cfg: cfg}
	e.Deployer = e.Sender(keys[0])
	dep, err := contracts.Deploy(e.Ctx, e.Deployer, cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.Dep = dep
	mk := func(k *ecdsa.PrivateKey) Actor {
		a := Actor{Key: k, Addr: crypto.PubkeyToAddress(k.PublicKey)}
		a.M = contracts.NewEthMarket(e.Chain, e.Sender(k), dep.Marketplace)
		if o.NoTokens {
			return a
		}
		if err := contracts.Mint(e.Ctx, e.Deployer, dep.Token, a.Addr, HugeBalance); err != nil {
			t.Fatal(err)
		}
		return a
	}
	e.Client = mk(keys[1])
	for _, k := range keys[2 : 2+o.Hosts] {
		e.Hosts = append(e.Hosts, mk(k))
	}
	e.Validator = mk(keys[2+o.Hosts])
	return e
}

func (e *Env) Sender(k *ecdsa.PrivateKey) *contracts.KeySender {
	s, err := contracts.NewKeySender(e.Ctx, e.Chain, k)
	if err != nil {
		e.T.Fatal(err)
	}
	s.Mine = e.Commit
	return s
}

// Head is the head block's header.
func (e *Env) Head() *types.Header {
	h, err := e.Chain.HeaderByNumber(e.Ctx, nil)
	if err != nil {
		e.T.Fatal(err)
	}
	return h
}

func (e *Env) Now() uint64 { return e.Head().Time }

// Events is every Marketplace event on the canonical chain in blocks
// [from, to].
func (e *Env) Events(from, to uint64) []contracts.Event {
	var out []contracts.Event
	if err := e.Client.M.PastEvents(e.Ctx, from, to, func(_ uint64, evs []contracts.Event) error {
		out = append(out, evs...)
		return nil
	}); err != nil {
		e.T.Fatal(err)
	}
	return out
}

// advance mines one block `seconds` after the head.
// The pool can still list a just-mined transaction as pending for a moment,
// which AdjustTime refuses; wait that out.
func (e *Env) Advance(seconds uint64) {
	var err error
	for range 200 {
		e.mine.Lock()
		err = e.Sim.AdjustTime(time.Duration(seconds) * time.Second)
		e.mine.Unlock()
		if err == nil {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	e.T.Fatal(err)
}

// startPeriod moves to the first second of the next period, so the calls
// that follow have a whole period before the challenge moves.
func (e *Env) StartPeriod() {
	_, end := e.Period()
	e.AdvanceTo(end)
}

// advanceTo mines a block at unix time ts (or one second after the head).
func (e *Env) AdvanceTo(ts uint64) {
	if now := e.Now(); ts > now {
		e.Advance(ts - now)
	} else {
		e.Advance(1)
	}
}

func (e *Env) BlockTime(rc *types.Receipt) uint64 {
	h, err := e.Chain.HeaderByNumber(e.Ctx, rc.BlockNumber)
	if err != nil {
		e.T.Fatal(err)
	}
	return h.Time
}

func (e *Env) Balance(a common.Address) *big.Int {
	b, err := e.Client.M.TokenBalance(e.Ctx, a)
	if err != nil {
		e.T.Fatal(err)
	}
	return b
}

func (e *Env) Ask(slots, maxLoss uint64, size int) contracts.Ask {
	return contracts.Ask{
		Slots: slots, SlotSize: uint64(size), Duration: 1000, MaxSlotLoss: maxLoss,
		ProofProbability: big.NewInt(1), PricePerBytePerSecond: big.NewInt(3), CollateralPerByte: big.NewInt(1000),
	}
}

func (e *Env) NewRequest(ds Dataset, ask contracts.Ask) contracts.Request {
	e.Nonce++
	return contracts.Request{
		Client: e.Client.Addr, Ask: ask,
		Content: contracts.Content{Cid: []byte("http://127.0.0.1:8080"), MerkleRoot: ds.Content},
		Expiry:  300, Nonce: [32]byte{e.Nonce},
	}
}

// request publishes a request for ds and returns its id.
func (e *Env) Request(ds Dataset, ask contracts.Ask) (contracts.RequestID, contracts.Request) {
	e.T.Helper()
	r := e.NewRequest(ds, ask)
	id, _, err := e.Client.M.RequestStorage(e.Ctx, r)
	if err != nil {
		e.T.Fatalf("request storage: %v", err)
	}
	return id, r
}

// proofFor answers the slot's current challenge from the slot's data.
func (e *Env) ProofFor(a Actor, slot contracts.SlotID, sd SlotData) contracts.Proof {
	c, err := a.M.GetChallenge(e.Ctx, slot)
	if err != nil {
		e.T.Fatal(err)
	}
	p, err := proof.Prove(sd.Tree, sd.Data, c, proof.Hash(slot), int(e.Cfg.Proofs.Samples))
	if err != nil {
		e.T.Fatal(err)
	}
	return contracts.ToContractProof(p)
}

// RetryChallenge retries when the challenge moved between reading it and the
// transaction's block (a period boundary or a pointer wrap), as a host does.
func RetryChallenge(f func() (*types.Receipt, error)) (*types.Receipt, error) {
	var rc *types.Receipt
	var err error
	for range 3 {
		rc, err = f()
		if !errors.Is(err, contracts.ErrInvalidProof) {
			return rc, err
		}
	}
	return rc, err
}

// Reserve reserves the slot for a; a reservation a already holds is fine.
func (e *Env) Reserve(a Actor, id contracts.RequestID, index uint64) error {
	_, err := a.M.ReserveSlot(e.Ctx, id, index, 0) // a KeySender keeps no records
	if errors.Is(err, contracts.ErrAlreadyReserved) {
		return nil
	}
	return err
}

// Fill reserves the slot (as a host must) and fills it; a failed
// reservation is returned as the fill's error.
func (e *Env) Fill(a Actor, id contracts.RequestID, index uint64, ds Dataset) (*types.Receipt, error) {
	if err := e.Reserve(a, id, index); err != nil {
		return nil, err
	}
	return e.FillReserved(a, id, index, ds)
}

// FillReserved fills without reserving first.
func (e *Env) FillReserved(a Actor, id contracts.RequestID, index uint64, ds Dataset) (*types.Receipt, error) {
	slot := contracts.GetSlotID(id, index)
	path, err := proof.ContentPath(ds.Roots, index)
	if err != nil {
		e.T.Fatal(err)
	}
	return RetryChallenge(func() (*types.Receipt, error) {
		return a.M.FillSlot(e.Ctx, id, index, ds.Roots[index], path, e.ProofFor(a, slot, ds.Slots[index]))
	})
}

func (e *Env) MustFill(a Actor, id contracts.RequestID, index uint64, ds Dataset) *types.Receipt {
	e.T.Helper()
	rc, err := e.Fill(a, id, index, ds)
	if err != nil {
		e.T.Fatalf("fill slot %d: %v", index, err)
	}
	return rc
}

func (e *Env) Prove(a Actor, slot contracts.SlotID, sd SlotData) (*types.Receipt, error) {
	return RetryChallenge(func() (*types.Receipt, error) {
		return a.M.SubmitProof(e.Ctx, slot, e.ProofFor(a, slot, sd))
	})
}

// period returns the current period and when it ends.
func (e *Env) Period() (uint64, uint64) {
	p := e.Now() / e.Cfg.Proofs.Period
	return p, (p + 1) * e.Cfg.Proofs.Period
}

func WantErr(t testing.TB, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("got error %v, want %v", err, want)
	}
}

func WantEqual(t testing.TB, what string, got, want *big.Int) {
	t.Helper()
	if got.Cmp(want) != 0 {
		t.Fatalf("%s: got %s, want %s (off by %s)", what, got, want, new(big.Int).Sub(got, want))
	}
}

func Mul(xs ...uint64) *big.Int {
	r := big.NewInt(1)
	for _, x := range xs {
		r.Mul(r, new(big.Int).SetUint64(x))
	}
	return r
}

// Logger logs to the test at debug level.
func Logger(t testing.TB) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{Level: hclog.Debug, Output: testWriter{t}})
}

// testWriter hands each line hclog writes to t.Log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// RequestsOf is the Marketplace's list of client's open requests (the node
// keeps its own, so only tests read the chain's).
func (e *Env) RequestsOf(client common.Address) []contracts.RequestID {
	e.T.Helper()
	m := bindings.NewMarketplace()
	ids, err := bind.Call(m.Instance(e.Chain, e.Dep.Marketplace), &bind.CallOpts{Context: e.Ctx}, m.PackRequestsOf(client), m.UnpackRequestsOf)
	if err != nil {
		e.T.Fatalf("requests of %s: %v", client.Hex(), err)
	}
	out := make([]contracts.RequestID, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// WillProofBeRequired is the contract's answer for slot (the node computes
// it with contracts.Clock; tests check the two agree).
func (e *Env) WillProofBeRequired(slot contracts.SlotID) bool {
	e.T.Helper()
	m := bindings.NewMarketplace()
	will, err := bind.Call(m.Instance(e.Chain, e.Dep.Marketplace), &bind.CallOpts{Context: e.Ctx}, m.PackWillProofBeRequired(slot), m.UnpackWillProofBeRequired)
	if err != nil {
		e.T.Fatalf("will proof be required %s: %v", slot.Hex(), err)
	}
	return will
}
