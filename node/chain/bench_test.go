package chain_test

import (
	"context"
	"math/big"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/contracts/bindings"
	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/node/chain"
	"github.com/slotd/slotd/persist"
)

// benchRequests is how many StorageRequested logs the replay benchmarks
// walk; benchTail empty blocks follow them, so that the range has both the
// paged replay far below the head and the per-block path near it.
const (
	benchRequests = 4000
	benchPerBlock = 200
	benchTail     = 200
)

type benchFixture struct {
	e        *ct.Env
	from, to uint64
	logs     int
}

var (
	benchOnce sync.Once
	bench     benchFixture
)

// fixture mines benchRequests storage requests, benchPerBlock to a block,
// signed directly (the Sender mines one block per transaction).
func fixture(b *testing.B) benchFixture {
	benchOnce.Do(func() {
		e := newEnvNoCleanup(b)
		ctx := e.Ctx
		market := bindings.NewMarketplace()
		token := bindings.NewTestToken()
		chainID, _ := e.Chain.ChainID(ctx)
		signer := types.LatestSignerForChainID(chainID)
		nonce, err := e.Chain.PendingNonceAt(ctx, e.Client.Addr)
		if err != nil {
			b.Fatal(err)
		}
		tip, _ := e.Chain.SuggestGasTipCap(ctx)
		send := func(to common.Address, data []byte, gas uint64) {
			head := e.Head()
			tx := types.MustSignNewTx(e.Client.Key, signer, &types.DynamicFeeTx{ChainID: chainID, Nonce: nonce, To: &to,
				Gas: gas, GasTipCap: tip, GasFeeCap: new(big.Int).Add(tip, new(big.Int).Mul(head.BaseFee, big.NewInt(4))), Data: data})
			if err := e.Chain.SendTransaction(ctx, tx); err != nil {
				b.Fatal(err)
			}
			nonce++
		}
		send(e.Dep.Token, token.PackApprove(e.Dep.Marketplace, new(big.Int).Lsh(big.NewInt(1), 100)), 100_000)
		e.Commit()
		ds := newDataset(b, 9, 2)
		base := e.NewRequest(ds, e.Ask(2, 1, slotSize))
		base.Content.Cid = []byte("bench")
		req := func(i int) []byte {
			r := base
			r.Nonce = common.BigToHash(big.NewInt(int64(1_000_000 + i)))
			return market.PackRequestStorage(contracts.BindingRequest(r))
		}
		gas, err := e.Chain.EstimateGas(ctx, ethereum.CallMsg{From: e.Client.Addr, To: &e.Dep.Marketplace, Data: req(0)})
		if err != nil {
			b.Fatal(err)
		}
		bench.e = e
		bench.from = e.Head().Number.Uint64() + 1
		for i := range benchRequests {
			send(e.Dep.Marketplace, req(i), gas+gas/2)
			if (i+1)%benchPerBlock == 0 {
				e.Commit()
			}
		}
		e.Commit()
		e.Mine(benchTail)
		bench.to = e.Head().Number.Uint64()
		bench.logs = len(e.Events(bench.from, bench.to))
		if bench.logs != benchRequests {
			b.Fatalf("fixture has %d logs, want %d (a transaction failed?)", bench.logs, benchRequests)
		}
	})
	if bench.e == nil {
		b.Fatal("fixture failed")
	}
	return bench
}

// rawRate is the rate at which FilterLogs alone delivers the fixture's logs,
// paged the way the ingestor pages them.
func rawFilterLogs(b *testing.B, f benchFixture) {
	n := 0
	if err := contracts.PastLogs(context.Background(), f.e.Chain, f.e.Dep.Marketplace, f.from, f.to, contracts.DefaultPage, func(_ uint64, logs []types.Log) error {
		n += len(logs)
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	if n != f.logs {
		b.Fatalf("raw walk got %d logs, want %d", n, f.logs)
	}
}

// BenchmarkRawFilterLogs is the baseline: the fixture's logs fetched with
// eth_getLogs and nothing else.
func BenchmarkRawFilterLogs(b *testing.B) {
	f := fixture(b)
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		rawFilterLogs(b, f)
	}
	b.ReportMetric(float64(f.logs)*float64(b.N)/time.Since(start).Seconds(), "logs/s")
}

// counter is a handler that only counts: replay's own cost.
type counter struct{ n int }

func (c *counter) Apply(_ *persist.Tx, _ chain.BlockRef, evs []contracts.Event) error {
	c.n += len(evs)
	return nil
}
func (c *counter) Revert(*persist.Tx, chain.BlockRef, []contracts.Event) error { return nil }

// BenchmarkReplay ingests the fixture's range into a fresh store (with
// fsync) from a cursor at its start: log queries, headers, decoding, the
// handler calls and one durable transaction per page. "count" hands events
// to a handler that only counts them; "ledger" to one that writes a record
// per event, as the tests' model does. Each iteration also times one raw
// walk (outside the logs/s figure), so that x-raw, the replay rate over the
// raw FilterLogs rate, compares runs made under the same machine load.
func BenchmarkReplay(b *testing.B) {
	f := fixture(b)
	for _, bc := range []struct {
		name    string
		handler func() handler
	}{
		{"count", func() handler { return &counter{} }},
		{"ledger", func() handler { return &model{} }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var elapsed, raw time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				start := time.Now()
				rawFilterLogs(b, f)
				raw += time.Since(start)
				s, err := persist.Open(filepath.Join(b.TempDir(), "bench.db"), nil)
				if err != nil {
					b.Fatal(err)
				}
				in, err := chain.New(chain.Config{Client: f.e.Chain, Store: s, Subscribers: subs(bc.handler()), Address: f.e.Dep.Marketplace, StartBlock: f.from})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				start = time.Now()
				if err := in.Sync(context.Background()); err != nil {
					b.Fatal(err)
				}
				elapsed += time.Since(start)
				b.StopTimer()
				if st := in.Stats(); st.Events != uint64(f.logs) {
					b.Fatalf("replayed %d events, want %d", st.Events, f.logs)
				}
				s.Close()
			}
			b.ReportMetric(float64(f.logs)*float64(b.N)/elapsed.Seconds(), "logs/s")
			b.ReportMetric(raw.Seconds()/elapsed.Seconds(), "x-raw")
		})
	}
}
