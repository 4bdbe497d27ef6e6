package contracts_test

import (
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/slotd/slotd/contracts"
	ct "github.com/slotd/slotd/contracts/contractstest"
)

// boundsEnv is an Env whose actors hold only what a test mints them, so
// that a deposit near 2^256 does not overflow the token's supply.
func boundsEnv(t *testing.T) *ct.Env {
	return ct.NewEnvWith(t, ct.TestConfig(), ct.Options{NoTokens: true})
}

func mint(t *testing.T, e *ct.Env, a ct.Actor, amount *big.Int) {
	t.Helper()
	if amount.Sign() == 0 {
		return
	}
	if err := contracts.Mint(e.Ctx, e.Deployer, e.Dep.Token, a.Addr, amount); err != nil {
		t.Fatal(err)
	}
}

// path is how a request ends: every slot filled and the end reached,
// cancelled with some slots filled, or failed by hosts leaving early.
type path int

const (
	finish path = iota
	cancel
	fail
)

func (p path) String() string { return [...]string{"finish", "cancel", "fail"}[p] }

// settle runs r along p with e's hosts and settles everyone: it returns
// The caller has minted the deposit to the client and a slot's collateral
// to each host. Cancel fills all slots but one; fail and finish fill all,
// so they need an expiry that leaves time for it.
func settle(t *testing.T, e *ct.Env, ds ct.Dataset, r contracts.Request, p path) {
	t.Helper()
	id, _, err := e.Client.M.RequestStorage(e.Ctx, r)
	if err != nil {
		t.Fatalf("%s: request: %v", p, err)
	}
	slots := r.Ask.Slots
	filled := slots
	if p == cancel {
		filled = slots - 1
		if r.Expiry < 60 {
			filled = 0 // no time to fill before the expiry
		}
	}
	for i := range filled {
		e.MustFill(e.Hosts[i], id, i, ds)
	}
	switch p {
	case cancel:
		exp, _ := e.Client.M.RequestExpiry(e.Ctx, id)
		e.AdvanceTo(exp + 1)
	case fail:
		for i := range r.Ask.MaxSlotLoss + 1 {
			if _, err := e.Hosts[i].M.FreeSlot(e.Ctx, contracts.GetSlotID(id, i)); err != nil {
				t.Fatalf("%s: leave slot %d: %v", p, i, err)
			}
		}
		filled = 0 // the rest are settled below, after the failure
		for i := r.Ask.MaxSlotLoss + 1; i < slots; i++ {
			if _, err := e.Hosts[i].M.FreeSlot(e.Ctx, contracts.GetSlotID(id, i)); err != nil {
				t.Fatalf("%s: free slot %d: %v", p, i, err)
			}
		}
	case finish:
		end, _ := e.Client.M.RequestEnd(e.Ctx, id)
		e.AdvanceTo(end + 1)
	}
	want := map[path]contracts.RequestState{finish: contracts.RequestStateFinished, cancel: contracts.RequestStateCancelled, fail: contracts.RequestStateFailed}[p]
	if s, err := e.Client.M.RequestState(e.Ctx, id); s != want || err != nil {
		t.Fatalf("%s: request state %s (%v), want %s", p, s, err, want)
	}
	for i := range filled {
		if _, err := e.Hosts[i].M.FreeSlot(e.Ctx, contracts.GetSlotID(id, i)); err != nil {
			t.Fatalf("%s: free slot %d: %v", p, i, err)
		}
		if s, _ := e.Client.M.SlotState(e.Ctx, contracts.GetSlotID(id, i)); s != contracts.SlotStatePaid {
			t.Fatalf("%s: slot %d %s after free, want Paid", p, i, s)
		}
	}
	if _, err := e.Client.M.WithdrawFunds(e.Ctx, id); err != nil {
		t.Fatalf("%s: withdraw: %v", p, err)
	}
}

// totalHeld is what the client, the hosts and the validator hold.
func totalHeld(e *ct.Env) *big.Int {
	sum := new(big.Int).Add(e.Balance(e.Client.Addr), e.Balance(e.Validator.Addr))
	for _, h := range e.Hosts {
		sum.Add(sum, e.Balance(h.Addr))
	}
	return sum
}

// largest is the largest request the contract accepts in price (collateral
// 0) or in collateral (price 1): the deposit or a slot's collateral is
// then within one unit step of its type's maximum.
func largest(e *ct.Env, ds ct.Dataset, byCollateral bool) contracts.Request {
	ask := e.Ask(uint64(len(ds.Slots)), 1, slotSize)
	ask.Duration = e.Cfg.RequestDurationLimit
	ask.CollateralPerByte = new(big.Int)
	if byCollateral {
		ask.PricePerBytePerSecond = big.NewInt(1)
		ask.CollateralPerByte = new(big.Int).Div(contracts.MaxSlotCollateral(), big.NewInt(slotSize))
	} else {
		units := ct.Mul(ask.Slots, ask.SlotSize, ask.Duration)
		ask.PricePerBytePerSecond = new(big.Int).Div(contracts.MaxUint256(), units)
	}
	r := e.NewRequest(ds, ask)
	r.Expiry = ask.Duration - 1
	return r
}

// TestLargestRequestSettlesInEveryPath: the largest price, collateral and
// duration the contract accepts settle to the token unit on finish, cancel
// and fail, and the contract holds nothing after; one unit past each bound
// is refused, by the contract and by contracts.CheckRequest.
func TestLargestRequestSettlesInEveryPath(t *testing.T) {
	ds := ct.NewDataset(t, 21, 3, slotSize)
	for _, byCollateral := range []bool{false, true} {
		for _, p := range []path{finish, cancel, fail} {
			t.Run(fmt.Sprintf("%s/collateral=%v", p, byCollateral), func(t *testing.T) {
				e := boundsEnv(t)
				r := largest(e, ds, byCollateral)
				if err := contracts.CheckRequest(r, e.Cfg.RequestDurationLimit); err != nil {
					t.Fatalf("CheckRequest refuses the largest request: %v", err)
				}
				mint(t, e, e.Client, contracts.Deposit(r.Ask))
				for _, h := range e.Hosts {
					mint(t, e, h, contracts.SlotCollateral(r.Ask))
				}
				before := totalHeld(e)
				settle(t, e, ds, r, p)
				ct.WantEqual(t, "nothing left in the contract", e.Balance(e.Dep.Marketplace), new(big.Int))
				ct.WantEqual(t, "every token back with its owners", totalHeld(e), before)
			})
		}
	}

	e := boundsEnv(t)
	past := map[string]func(*contracts.Request){
		"price": func(r *contracts.Request) {
			r.Ask.PricePerBytePerSecond.Add(r.Ask.PricePerBytePerSecond, big.NewInt(1))
		},
		"collateral": func(r *contracts.Request) {
			*r = largest(e, ds, true)
			r.Ask.CollateralPerByte.Add(r.Ask.CollateralPerByte, big.NewInt(1))
		},
		"duration": func(r *contracts.Request) {
			r.Ask.PricePerBytePerSecond = big.NewInt(1)
			r.Ask.Duration++
		},
		"duration 2^64-1": func(r *contracts.Request) { // accepted and then locked before the bound
			r.Ask.PricePerBytePerSecond = big.NewInt(1)
			r.Ask.Duration = 1<<64 - 1
		},
	}
	for name, mutate := range past {
		r := largest(e, ds, false)
		mutate(&r)
		if err := contracts.CheckRequest(r, e.Cfg.RequestDurationLimit); !errors.Is(err, contracts.ErrRequestBounds) {
			t.Errorf("one past the %s bound: CheckRequest says %v", name, err)
		}
		mint(t, e, e.Client, big.NewInt(1)) // a balance, so that the ask is what is refused
		_, _, err := e.Client.M.RequestStorage(e.Ctx, r)
		if !errors.Is(err, contracts.ErrInvalidAsk) {
			t.Errorf("one past the %s bound: contract says %v, want InvalidAsk", name, err)
		}
	}
}

// TestEveryAcceptedRequestSettles is a property test over request fields:
// the Go check and the contract agree on which requests are accepted, and
// every accepted one settles along a random path with nothing left in the
// contract.
func TestEveryAcceptedRequestSettles(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	var dss [4]ct.Dataset // by slot count
	for n := 1; n <= 3; n++ {
		dss[n] = ct.NewDataset(t, 22, n, slotSize)
	}
	e := boundsEnv(t)
	limit := e.Cfg.RequestDurationLimit
	random := func(bits int) *big.Int { // below 2^bits; 0..2 for bits 0
		if bits == 0 {
			return big.NewInt(int64(r.IntN(3)))
		}
		b := make([]byte, (bits+7)/8)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		v := new(big.Int).SetBytes(b)
		return v.Rsh(v, uint(len(b)*8-bits))
	}
	const n = 80
	accepted := 0
	for i := range n {
		slots := 1 + r.Uint64N(3)
		// Mostly valid fields, each sometimes at or past its bound.
		ask := contracts.Ask{Slots: slots, SlotSize: slotSize, MaxSlotLoss: r.Uint64N(slots+1) % slots,
			Duration:              []uint64{2, 3 + r.Uint64N(limit), 3 + r.Uint64N(limit), limit, limit + 1, 1<<64 - 1}[r.IntN(6)],
			ProofProbability:      random([]int{8, 8, 256, 257}[r.IntN(4)]),
			PricePerBytePerSecond: random([]int{30, 120, 200, 200, 0, 257}[r.IntN(6)]),
			CollateralPerByte:     random([]int{0, 30, 100, 100, 113, 114, 257}[r.IntN(7)]),
		}
		if r.IntN(8) == 0 {
			ask.MaxSlotLoss = slots // one past
		}
		ds := dss[slots]
		req := e.NewRequest(ds, ask)
		req.Expiry = r.Uint64N(max(ask.Duration, 2))
		if r.IntN(2) == 0 && ask.Duration > 200 {
			req.Expiry = 100 + r.Uint64N(ask.Duration-100) // room to fill every slot before it
		}
		goErr := contracts.CheckRequest(req, limit)
		if goErr != nil {
			if ask.ProofProbability.BitLen() > 256 || ask.PricePerBytePerSecond.BitLen() > 256 || ask.CollateralPerByte.BitLen() > 256 {
				continue // the ABI encoder keeps the low bits: the contract never sees this value
			}
			mint(t, e, e.Client, big.NewInt(1))
			if _, _, err := e.Client.M.RequestStorage(e.Ctx, req); err == nil {
				t.Fatalf("request %d %+v expiry %d: CheckRequest refuses it (%v), the contract accepts it", i, ask, req.Expiry, goErr)
			}
			continue
		}
		if contracts.Deposit(ask).BitLen() > 230 || contracts.SlotCollateral(ask).BitLen() > 120 {
			continue // keeps the token's supply in range over many requests (the bounds test covers these)
		}
		accepted++
		paths := []path{cancel}
		if req.Expiry >= 60 && slots > 1 {
			paths = append(paths, finish, fail)
		}
		mint(t, e, e.Client, contracts.Deposit(ask))
		for _, h := range e.Hosts {
			mint(t, e, h, contracts.SlotCollateral(ask))
		}
		settle(t, e, ds, req, paths[r.IntN(len(paths))])
	}
	ct.WantEqual(t, "nothing left in the contract", e.Balance(e.Dep.Marketplace), new(big.Int))
	if accepted < 8 {
		t.Fatalf("only %d of %d random requests were accepted and settled: the generator misses the interesting part", accepted, n)
	}
	t.Logf("%d of %d random requests accepted and settled", accepted, n)
}

// FuzzCheckRequest: whatever the fields, CheckRequest never lets through a
// request whose sums would not fit the contract's types: the deposit in a
// uint256 (with every earning and refund a part of it), a slot's collateral
// in a uint128, and the end time in a uint64 for any block time a uint40
// holds. (TestEveryAcceptedRequestSettles checks it agrees with the chain.)
func FuzzCheckRequest(f *testing.F) {
	f.Add(uint64(3), uint64(16384), uint64(1000), uint64(300), uint64(1), []byte{1}, []byte{3}, []byte{0x03, 0xe8})
	f.Add(uint64(1), uint64(256), uint64(1<<64-1), uint64(1), uint64(0), []byte{1}, []byte{1}, []byte{})
	f.Fuzz(func(t *testing.T, slots, size, duration, expiry, loss uint64, prob, price, coll []byte) {
		r := contracts.Request{Expiry: expiry, Ask: contracts.Ask{Slots: slots, SlotSize: size, Duration: duration, MaxSlotLoss: loss,
			ProofProbability:      new(big.Int).SetBytes(prob),
			PricePerBytePerSecond: new(big.Int).SetBytes(price),
			CollateralPerByte:     new(big.Int).SetBytes(coll)}}
		limit := uint64(contracts.DefaultRequestDurationLimit)
		if contracts.CheckRequest(r, limit) != nil {
			return
		}
		end := new(big.Int).Add(new(big.Int).SetUint64(1<<40-1), new(big.Int).SetUint64(duration))
		switch {
		case contracts.Deposit(r.Ask).Cmp(contracts.MaxUint256()) > 0:
			t.Fatalf("accepted a deposit over 2^256: %+v", r.Ask)
		case contracts.SlotCollateral(r.Ask).Cmp(contracts.MaxSlotCollateral()) > 0:
			t.Fatalf("accepted a slot collateral over 2^128: %+v", r.Ask)
		case !end.IsUint64() || duration > limit || expiry >= duration || expiry == 0:
			t.Fatalf("accepted duration %d, expiry %d", duration, expiry)
		case r.Ask.ProofProbability.Sign() == 0 || r.Ask.PricePerBytePerSecond.Sign() == 0 || loss >= slots:
			t.Fatalf("accepted a degenerate ask %+v", r.Ask)
		}
	})
}
