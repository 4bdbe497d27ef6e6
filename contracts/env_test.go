package contracts_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"errors"
	"math/big"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient/simulated"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/contracts/proof"
)

// dataset is a request's slots with their trees, built like a client would.
type dataset struct {
	slots   []slotData
	roots   []common.Hash
	content common.Hash
}

type slotData struct {
	data interface {
		ReadAt([]byte, int64) (int, error)
	}
	tree *proof.SlotTree
}

func newDataset(t testing.TB, seed uint64, n int, size int) dataset {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 99))
	var ds dataset
	for range n {
		b := make([]byte, size)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		tree, err := proof.BuildSlotTree(bytes.NewReader(b), uint64(size))
		if err != nil {
			t.Fatal(err)
		}
		ds.slots = append(ds.slots, slotData{data: bytes.NewReader(b), tree: tree})
		ds.roots = append(ds.roots, tree.Root())
	}
	ds.content = proof.ContentRoot(ds.roots)
	return ds
}

type actor struct {
	key  *ecdsa.PrivateKey
	addr common.Address
	m    *contracts.EthMarket
}

type env struct {
	t         *testing.T
	ctx       context.Context
	sim       *simulated.Backend
	cl        simulated.Client
	cfg       contracts.Config
	dep       contracts.Deployment
	client    actor
	hosts     []actor
	validator actor
	deployer  *contracts.KeySender
	nonce     byte
}

var hugeBalance = new(big.Int).Lsh(big.NewInt(1), 100)

// testConfig proves every period (no downtime) so tests can count on it.
func testConfig() contracts.Config {
	c := contracts.DefaultConfig()
	c.Proofs.Downtime = 0
	return c
}

func newEnv(t *testing.T, cfg contracts.Config) *env {
	t.Helper()
	keys := make([]*ecdsa.PrivateKey, 6)
	alloc := types.GenesisAlloc{}
	for i := range keys {
		keys[i], _ = crypto.GenerateKey()
		alloc[crypto.PubkeyToAddress(keys[i].PublicKey)] = types.Account{Balance: new(big.Int).Lsh(big.NewInt(1), 80)}
	}
	sim := simulated.NewBackend(alloc, contracts.WithDevChainConfig())
	t.Cleanup(func() { sim.Close() })
	e := &env{t: t, ctx: context.Background(), sim: sim, cl: sim.Client(), cfg: cfg}
	e.deployer = e.sender(keys[0])
	dep, err := contracts.Deploy(e.ctx, e.deployer, cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.dep = dep
	mk := func(k *ecdsa.PrivateKey) actor {
		a := actor{key: k, addr: crypto.PubkeyToAddress(k.PublicKey)}
		a.m = contracts.NewEthMarket(e.cl, e.sender(k), dep.Marketplace)
		if err := contracts.Mint(e.ctx, e.deployer, dep.Token, a.addr, hugeBalance); err != nil {
			t.Fatal(err)
		}
		return a
	}
	e.client = mk(keys[1])
	e.hosts = []actor{mk(keys[2]), mk(keys[3]), mk(keys[4])}
	e.validator = mk(keys[5])
	return e
}

func (e *env) sender(k *ecdsa.PrivateKey) *contracts.KeySender {
	s, err := contracts.NewKeySender(e.ctx, e.cl, k)
	if err != nil {
		e.t.Fatal(err)
	}
	s.Mine = func() { e.sim.Commit() }
	return s
}

func (e *env) now() uint64 {
	h, err := e.cl.HeaderByNumber(e.ctx, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return h.Time
}

// advance mines one block `seconds` after the head.
// The pool can still list a just-mined transaction as pending for a moment,
// which AdjustTime refuses; wait that out.
func (e *env) advance(seconds uint64) {
	var err error
	for range 200 {
		if err = e.sim.AdjustTime(time.Duration(seconds) * time.Second); err == nil {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	e.t.Fatal(err)
}

// startPeriod moves to the first second of the next period, so the calls
// that follow have a whole period before the challenge moves.
func (e *env) startPeriod() {
	_, end := e.period()
	e.advanceTo(end)
}

// advanceTo mines a block at unix time ts (or one second after the head).
func (e *env) advanceTo(ts uint64) {
	if now := e.now(); ts > now {
		e.advance(ts - now)
	} else {
		e.advance(1)
	}
}

func (e *env) blockTime(rc *types.Receipt) uint64 {
	h, err := e.cl.HeaderByNumber(e.ctx, rc.BlockNumber)
	if err != nil {
		e.t.Fatal(err)
	}
	return h.Time
}

func (e *env) balance(a common.Address) *big.Int {
	b, err := e.client.m.TokenBalance(e.ctx, a)
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

func (e *env) ask(slots, maxLoss uint64, size int) contracts.Ask {
	return contracts.Ask{
		Slots: slots, SlotSize: uint64(size), Duration: 1000, MaxSlotLoss: maxLoss,
		ProofProbability: big.NewInt(1), PricePerBytePerSecond: big.NewInt(3), CollateralPerByte: big.NewInt(1000),
	}
}

func (e *env) newRequest(ds dataset, ask contracts.Ask) contracts.Request {
	e.nonce++
	return contracts.Request{
		Client: e.client.addr, Ask: ask,
		Content: contracts.Content{Cid: []byte("http://127.0.0.1:8080"), MerkleRoot: ds.content},
		Expiry:  300, Nonce: [32]byte{e.nonce},
	}
}

// request publishes a request for ds and returns its id.
func (e *env) request(ds dataset, ask contracts.Ask) (contracts.RequestID, contracts.Request) {
	e.t.Helper()
	r := e.newRequest(ds, ask)
	id, _, err := e.client.m.RequestStorage(e.ctx, r)
	if err != nil {
		e.t.Fatalf("request storage: %v", err)
	}
	return id, r
}

// proofFor answers the slot's current challenge from the slot's data.
func (e *env) proofFor(a actor, slot contracts.SlotID, sd slotData) contracts.Proof {
	c, err := a.m.GetChallenge(e.ctx, slot)
	if err != nil {
		e.t.Fatal(err)
	}
	p, err := proof.Prove(sd.tree, sd.data, c, slot, int(e.cfg.Proofs.Samples))
	if err != nil {
		e.t.Fatal(err)
	}
	return contracts.ToContractProof(p)
}

// retryChallenge retries when the challenge moved between reading it and the
// transaction's block (a period boundary or a pointer wrap), as a host does.
func retryChallenge(f func() (*types.Receipt, error)) (*types.Receipt, error) {
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

func (e *env) fill(a actor, id contracts.RequestID, index uint64, ds dataset) (*types.Receipt, error) {
	slot := contracts.GetSlotID(id, index)
	path, err := proof.ContentPath(ds.roots, index)
	if err != nil {
		e.t.Fatal(err)
	}
	return retryChallenge(func() (*types.Receipt, error) {
		return a.m.FillSlot(e.ctx, id, index, ds.roots[index], path, e.proofFor(a, slot, ds.slots[index]))
	})
}

func (e *env) mustFill(a actor, id contracts.RequestID, index uint64, ds dataset) *types.Receipt {
	e.t.Helper()
	rc, err := e.fill(a, id, index, ds)
	if err != nil {
		e.t.Fatalf("fill slot %d: %v", index, err)
	}
	return rc
}

func (e *env) prove(a actor, slot contracts.SlotID, sd slotData) (*types.Receipt, error) {
	return retryChallenge(func() (*types.Receipt, error) {
		return a.m.SubmitProof(e.ctx, slot, e.proofFor(a, slot, sd))
	})
}

// period returns the current period and when it ends.
func (e *env) period() (uint64, uint64) {
	p := e.now() / e.cfg.Proofs.Period
	return p, (p + 1) * e.cfg.Proofs.Period
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("got error %v, want %v", err, want)
	}
}

func wantEqual(t *testing.T, what string, got, want *big.Int) {
	t.Helper()
	if got.Cmp(want) != 0 {
		t.Fatalf("%s: got %s, want %s (off by %s)", what, got, want, new(big.Int).Sub(got, want))
	}
}

func mul(xs ...uint64) *big.Int {
	r := big.NewInt(1)
	for _, x := range xs {
		r.Mul(r, new(big.Int).SetUint64(x))
	}
	return r
}
