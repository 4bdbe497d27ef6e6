package sales_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	dto "github.com/prometheus/client_model/go"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/contracts/bindings"
	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/contracts/proof"
	"github.com/slotd/slotd/fsm"
	"github.com/slotd/slotd/node/chain"
	"github.com/slotd/slotd/node/datastore"
	"github.com/slotd/slotd/node/ledger"
	"github.com/slotd/slotd/node/metrics"
	"github.com/slotd/slotd/node/sales"
	"github.com/slotd/slotd/node/txmgr"
	"github.com/slotd/slotd/persist"
)

var (
	schedFigures        = flag.Bool("sched-figures", false, "print the proving scheduler's RPC calls per block and per period for 1 to 1,000 held slots")
	schedBig            = flag.Int("sched-figures.big", 0, "also hold this many slots (10000 for the issue's figure) and print proofs due/submitted per period, RSS and restart time")
	schedPoll           = flag.Duration("sched-figures.poll", 50*time.Millisecond, "the tx manager's poll in the figures; each block waits one poll after its round, as a node polling once per block does")
	schedReceipts       = flag.Bool("sched-figures.receipts", false, "confirm proofs by receipt only (the tx manager before proofs were settled from their logs)")
	schedNs             = flag.String("sched-figures.n", "1,10,100,1000", "slot counts of the figures' rows")
	schedRestartProfile = flag.String("sched-figures.restart-profile", "", "write a CPU profile of the big run's first restart to this file")
	schedRestarts       = flag.Int("sched-figures.restarts", 3, "how many times the big run restarts the node, each timed")
)

// sendMethods are the calls that sending a proof makes (its gas, fees,
// nonce, broadcast and receipt), set apart from the per-block load.
var sendMethods = []string{"eth_estimateGas", "eth_sendRawTransaction", "eth_getTransactionReceipt", "eth_maxPriorityFeePerGas", "eth_getTransactionCount"}

// provingHost is a host whose slots were filled on the chain directly and
// whose agents were seeded in Proving; its ingestor is synced by the test
// once per block, so calls per block are exact.
type provingHost struct {
	dir    string
	ids    []contracts.SlotID
	count  *ct.CountingClient
	poll   time.Duration // the tx manager's poll, waited once per block (figures)
	store  *persist.Store
	sales  *sales.Sales
	in     *chain.Ingestor
	rounds chan persist.Head
	stop   func()
	// firstRound is when the scheduler began its first round, and
	// firstRoundCPU the process's CPU time then.
	firstRound    atomic.Pointer[time.Time]
	firstRoundCPU atomic.Int64
	// phases times startProving's steps.
	phases []string
	// misses counts the proofs provePeriods found missing, by reason.
	misses map[string]int
	// withdrawn counts requirements a pointer wrap withdrew mid-period.
	withdrawn int
	// watch, if set, is a validator stepped on every block; vcalls are its
	// calls over provePeriods' periods.
	watch  *watcher
	vcalls map[string]int
}

// missReason says what became of the proof of slot for period, from the
// host's tx record of it.
func (h *provingHost) missReason(slot contracts.SlotID, period, last uint64) string {
	var r persist.TxRecord
	err := h.store.View(func(tx *persist.Tx) (err error) {
		r, err = tx.TxRecord(fmt.Sprintf("proof:%s:%d", slot.Hex(), period))
		return err
	})
	switch {
	case errors.Is(err, persist.ErrNotFound):
		return "never sent"
	case err != nil:
		return "tx record unreadable: " + err.Error()
	case r.Status == persist.TxMined && r.Block > last:
		return "mined after the period"
	case r.Status == persist.TxMined:
		return "mined but not received"
	}
	return "tx " + r.Status
}

// phase notes the time since at under name.
func (h *provingHost) phase(name string, at *time.Time) {
	now := time.Now()
	h.phases = append(h.phases, fmt.Sprintf("%s %s", name, now.Sub(*at).Round(time.Millisecond)))
	*at = now
}

// seedProving fills n slots for host on the chain (requests of up to 250
// slots of one dataset, reserved and filled in batches through a tx
// manager of its own), and writes the host's store and data dir: every
// slot's data and tree, and its agent in Proving.
func seedProving(t testing.TB, e *ct.Env, host ct.Actor, n int, probability int64, dir string) []contracts.SlotID {
	t.Helper()
	ctx := context.Background()
	per := min(n, 250)
	if n%per != 0 {
		t.Fatalf("%d slots do not split into requests of %d", n, per)
	}
	layout, err := datastore.NewLayout(uint64(per)*datastore.StripeUnit, per, 0, datastore.StripeUnit)
	if err != nil {
		t.Fatal(err)
	}
	size := int(layout.SlotSize) // one stripe unit per slot
	ds := ct.NewDataset(t, 11, per, size)
	seedStore, err := persist.Open(filepath.Join(t.TempDir(), "seed.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer seedStore.Close()
	tm, err := txmgr.New(txmgr.Config{Client: e.Chain, Store: seedStore, Key: host.Key, PollInterval: time.Hour, RebroadcastInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if err := tm.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer tm.Stop()
	market, token := e.Dep.Marketplace, e.Dep.Token
	abi := bindings.NewMarketplace()
	huge := new(big.Int).Lsh(big.NewInt(1), 200)
	mustSubmit(t, tm, []txmgr.Call{{Purpose: "approve", To: &token, Data: bindings.NewTestToken().PackApprove(market, huge)}})
	e.Commit()

	var ids []contracts.SlotID
	type slotRef struct {
		req   contracts.RequestID
		index uint64
	}
	var refs []slotRef
	for r := 0; r*per < n; r++ {
		ask := e.Ask(uint64(per), 0, size)
		ask.Duration, ask.ProofProbability = 1_000_000, big.NewInt(probability)
		req := e.NewRequest(ds, ask)
		req.Expiry = 5000
		id, _, err := e.Client.M.RequestStorage(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		calls := make([]txmgr.Call, per)
		for i := range per {
			calls[i] = txmgr.Call{Purpose: fmt.Sprintf("reserve:%s:%d", id.Hex(), i), To: &market, Data: abi.PackReserveSlot(id, uint64(i))}
			refs = append(refs, slotRef{id, uint64(i)})
		}
		for i := 0; i < per; i += 100 {
			mustSubmit(t, tm, calls[i:min(i+100, per)])
			e.Commit()
		}
	}
	// Fill in batches; a fill whose challenge moved before it landed is
	// tried again.
	left := refs
	for attempt := 0; len(left) > 0; attempt++ {
		if attempt > 20 {
			t.Fatalf("%d slots still unfilled", len(left))
		}
		for i := 0; i < len(left); i += 100 {
			batch := left[i:min(i+100, len(left))]
			calls := make([]txmgr.Call, 0, len(batch))
			for _, s := range batch {
				slot := contracts.GetSlotID(s.req, s.index)
				p := e.ProofFor(host, slot, ds.Slots[s.index])
				rootPath, err := contentPath(ds, s.index)
				if err != nil {
					t.Fatal(err)
				}
				calls = append(calls, txmgr.Call{Purpose: fmt.Sprintf("fill:%s:%d", slot.Hex(), attempt), To: &market,
					Data: abi.PackFillSlot(s.req, s.index, ds.Roots[s.index], rootPath, contracts.BindingProof(p))})
			}
			tm.SubmitAll(ctx, calls) // a refused estimate is a moved challenge: tried again
			e.Commit()
		}
		var still []slotRef
		slots := make([]contracts.SlotID, len(left))
		for i, s := range left {
			slots[i] = contracts.GetSlotID(s.req, s.index)
		}
		for i := 0; i < len(slots); i += 500 {
			st, err := e.Client.M.SlotStatuses(ctx, slots[i:min(i+500, len(slots))], 0)
			if err != nil {
				t.Fatal(err)
			}
			for j, x := range st {
				if contracts.SlotState(x.State) != contracts.SlotStateFilled || x.Host != host.Addr {
					still = append(still, left[i+j])
				}
			}
		}
		left = still
	}

	store, err := persist.Open(filepath.Join(dir, "slotd.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	data, err := datastore.Open(filepath.Join(dir, "data"), nil)
	if err != nil {
		t.Fatal(err)
	}
	roots := make([]datastore.CID, len(ds.Roots))
	for i, r := range ds.Roots {
		roots[i] = datastore.CID(r)
	}
	manifest := &datastore.Manifest{Version: 1, CID: datastore.CID(ds.Content), FileSize: layout.FileSize, DataSlots: per,
		SlotSize: layout.SlotSize, StripeSize: layout.Stripe, SlotRoots: roots}
	bufs := make([][]byte, per)
	for i := range per {
		bufs[i] = make([]byte, size)
		if _, err := ds.Slots[i].Data.ReadAt(bufs[i], 0); err != nil && err != io.EOF {
			t.Fatal(err)
		}
	}
	head := e.Head().Number.Uint64()
	err = store.Update(ctx, func(tx *persist.Tx) error {
		for _, s := range refs {
			slot := contracts.GetSlotID(s.req, s.index)
			dataPath, _ := data.HostedSlotPaths(proof.Hash(slot))
			if err := os.WriteFile(dataPath, bufs[s.index], 0o600); err != nil {
				return err
			}
			h := &datastore.HostedSlot{SlotID: proof.Hash(slot), CID: manifest.CID, Index: int(s.index), Root: ds.Roots[s.index], Size: uint64(size), Manifest: manifest}
			if err := data.CommitHostedSlot(h, ds.Slots[s.index].Tree); err != nil {
				return err
			}
			a := persist.Agent{SlotID: persist.ID(slot), RequestID: persist.ID(s.req), SlotIndex: s.index}
			if err := tx.Transition(&a, &persist.JournalEntry{To: fsm.Proving, Event: "seeded", Time: time.Now(), Block: head}); err != nil {
				return err
			}
			ids = append(ids, slot)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func mustSubmit(t testing.TB, tm *txmgr.Manager, calls []txmgr.Call) {
	t.Helper()
	for i, err := range tm.SubmitAll(context.Background(), calls) {
		if err != nil {
			t.Fatalf("%s: %v", calls[i].Purpose, err)
		}
	}
}

// startProving runs the host's sales and tx manager over a counting
// client; the test syncs the ingestor (sync) once per block it mines.
func startProving(t testing.TB, e *ct.Env, host ct.Actor, dir string, tune ...func(*sales.Config)) *provingHost {
	t.Helper()
	return startProvingTx(t, e, host, dir, nil, tune...)
}

// startProvingTx is startProving with the tx manager's config tuned by
// tuneTx (nil: as the figures' flags say); a LogConfirmed it sets wires
// the manager in as the sales' ProofLogs, as the node does.
func startProvingTx(t testing.TB, e *ct.Env, host ct.Actor, dir string, tuneTx func(*txmgr.Config), tune ...func(*sales.Config)) *provingHost {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	h := &provingHost{dir: dir, count: ct.NewCounting(e.Chain), rounds: make(chan persist.Head, 1024)}
	at := time.Now()
	var err error
	if h.store, err = persist.Open(filepath.Join(dir, "slotd.db"), nil); err != nil {
		t.Fatal(err)
	}
	h.phase("store", &at)
	data, err := datastore.Open(filepath.Join(dir, "data"), nil)
	if err != nil {
		t.Fatal(err)
	}
	h.phase("datastore", &at)
	tcfg := txmgr.Config{Client: h.count, Store: h.store, Key: host.Key, PollInterval: time.Hour, RebroadcastInterval: time.Hour, ReconcileLater: true}
	if *schedFigures {
		h.poll = *schedPoll
		tcfg.PollInterval = h.poll
		if !*schedReceipts {
			tcfg.LogConfirmed = func(p string) bool { return strings.HasPrefix(p, "proof:") }
		}
	}
	if tuneTx != nil {
		tuneTx(&tcfg)
	}
	tm, err := txmgr.New(tcfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := tm.Start(ctx); err != nil {
		t.Fatal(err)
	}
	h.phase("txmgr start", &at)
	market := contracts.NewEthMarket(h.count, tm, e.Dep.Marketplace)
	log := hclog.New(&hclog.LoggerOptions{Name: "host", Level: hclog.LevelFromString(os.Getenv("SLOTD_TEST_LOG"))})
	cfg := sales.Config{Store: h.store, Market: market, Client: h.count, Data: data, Workers: 0, QueueSize: 1 << 20,
		Poll: time.Hour, Log: log, Submitter: tm}
	if tcfg.LogConfirmed != nil {
		cfg.ProofLogs = tm
	}
	for _, f := range tune {
		f(&cfg)
	}
	h.sales, err = sales.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.phase("sales", &at)
	sales.OnRound(h.sales, func(hd persist.Head) { h.rounds <- hd })
	sales.OnRoundStart(h.sales, func(persist.Head) {
		now := time.Now()
		if h.firstRound.CompareAndSwap(nil, &now) {
			h.firstRoundCPU.Store(int64(processCPU()))
		}
	})
	h.in, err = chain.New(chain.Config{Client: h.count, Store: h.store, Subscribers: []chain.Subscriber{ledger.New(market), h.sales},
		Address: e.Dep.Marketplace, Recent: 257, PollInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	h.phase("ingestor", &at)
	done := make(chan error, 1)
	go func() { done <- h.sales.Run(ctx) }()
	var once sync.Once
	h.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("sales stopped with %v", err)
			}
			tm.Stop()
			h.store.Close()
		})
	}
	t.Cleanup(h.stop)
	return h
}

// block mines one block, syncs the host's ingestor to it and waits for
// the scheduler's round on it.
func (h *provingHost) block(t testing.TB, e *ct.Env) uint64 {
	t.Helper()
	e.Commit()
	n := e.Head().Number.Uint64()
	if err := h.in.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.waitRound(t, n)
	if h.poll > 0 {
		time.Sleep(h.poll + h.poll/5) // one tx manager poll per block
	}
	if h.watch != nil {
		h.watch.step(t)
	}
	return n
}

func (h *provingHost) waitRound(t testing.TB, n uint64) {
	t.Helper()
	timeout := time.After(2 * time.Minute)
	for {
		select {
		case hd := <-h.rounds:
			if hd.Number >= n {
				return
			}
		case <-timeout:
			t.Fatalf("no scheduling round for block %d", n)
		}
	}
}

// provePeriods runs the host for periods whole periods after the current
// one and checks that every slot the chain required a proof of at a
// period's first block has its proof received by the period's last block.
// It returns the calls made over those periods and the blocks mined.
func provePeriods(t testing.TB, e *ct.Env, h *provingHost, periods int) (calls map[string]int, blocks int, due, proved int) {
	t.Helper()
	ctx := context.Background()
	length := e.Cfg.Proofs.Period
	// Get to the first block of a period, so that the count covers whole ones.
	for e.Now()%length != length-1 {
		h.block(t, e)
	}
	h.block(t, e)
	before := h.count.Snapshot()
	var vbefore map[string]int
	if h.watch != nil {
		vbefore = h.watch.count.Snapshot()
	}
	for range periods {
		period := e.Now() / length
		first := contracts.ProofClock{Proofs: e.Cfg.Proofs, Block: e.Head().Number.Uint64()}
		required := map[contracts.SlotID]bool{}
		for i := 0; i < len(h.ids); i += 500 {
			part := h.ids[i:min(i+500, len(h.ids))]
			st, err := e.Client.M.SlotStatuses(ctx, part, 0)
			if err != nil {
				t.Fatal(err)
			}
			for j, x := range st {
				if x.ProofRequired || x.WillProofBeRequired {
					required[part[j]] = true
				}
			}
		}
		for e.Now()%length != length-1 {
			h.block(t, e)
			blocks++
		}
		// The period's last block: whatever is required has landed. A slot
		// is due if the chain requires its proof now (a validator could mark
		// it next), or required it at the first block and has it. A
		// requirement that held at the first block only was withdrawn when
		// the slot's pointer wrapped (the challenge moves to another block):
		// no proof could have been demanded, so it is counted apart.
		missing, dueNow, withdrawn := 0, 0, 0
		for i := 0; i < len(h.ids); i += 500 {
			part := h.ids[i:min(i+500, len(h.ids))]
			st, err := e.Client.M.SlotStatuses(ctx, part, 0)
			if err != nil {
				t.Fatal(err)
			}
			for j, x := range st {
				last := x.ProofRequired
				switch {
				case last || required[part[j]] && x.ProofReceived:
					dueNow++
				case required[part[j]]:
					withdrawn++
					continue
				default:
					continue
				}
				if x.ProofReceived {
					continue
				}
				missing++
				if h.misses == nil {
					h.misses = map[string]int{}
				}
				// The pointer says where the slot's challenge stood
				// when its requirement was read (misses cluster?).
				h.misses[fmt.Sprintf("%s, pointer %d at the period's first block", h.missReason(part[j], period, e.Now()), first.Pointer(part[j], period))]++
			}
		}
		due += dueNow
		proved += dueNow - missing
		h.withdrawn += withdrawn
		if missing > 0 {
			t.Errorf("period %d: %d of %d required proofs not received by its last block (%v)", period, missing, dueNow, h.misses)
		}
		h.block(t, e) // into the next period
		blocks++
	}
	calls = since(h.count, before)
	if h.watch != nil {
		h.vcalls = since(h.watch.count, vbefore)
	}
	return calls, blocks, due, proved
}

func total(calls map[string]int) (n int) {
	for _, v := range calls {
		n += v
	}
	return n
}

// byMethod lists calls as method=count, sorted.
func byMethod(calls map[string]int) string {
	var methods []string
	for k, v := range calls {
		methods = append(methods, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(methods)
	return strings.Join(methods, " ")
}

// since is the calls c counted after the snapshot before.
func since(c *ct.CountingClient, before map[string]int) map[string]int {
	calls := map[string]int{}
	for k, v := range c.Snapshot() {
		if d := v - before[k]; d > 0 {
			calls[k] = d
		}
	}
	return calls
}

func split(calls map[string]int) (base, send int) {
	for k, v := range calls {
		if slices.Contains(sendMethods, k) {
			send += v
		} else {
			base += v
		}
	}
	return base, send
}

func proofEnv(t testing.TB, period uint64, gasLimit uint64) *ct.Env {
	cfg := ct.TestConfig()
	cfg.Proofs.Period, cfg.Proofs.Timeout = period, period/2
	return ct.NewEnvWith(t, cfg, ct.Options{Hosts: 1, GasLimit: gasLimit})
}

// TestSchedulerProvesEveryRequiredProof: a host holding slots in Proving
// submits, within each period, a proof for every slot the chain requires
// one of, from one scheduler and no goroutine per agent.
func TestSchedulerProvesEveryRequiredProof(t *testing.T) {
	e := proofEnv(t, 20, 0)
	dir := t.TempDir()
	ids := seedProving(t, e, e.Hosts[0], 5, 1, dir)
	h := startProving(t, e, e.Hosts[0], dir)
	h.ids = ids
	_, _, due, proved := provePeriods(t, e, h, 3)
	if due == 0 || proved != due {
		t.Fatalf("%d proofs due, %d received", due, proved)
	}
}

// seedUnprovable seeds one slot in Proving for the first host and
// deletes its data, so that its proofs are missed.
func seedUnprovable(t *testing.T, e *ct.Env, dir string) []contracts.SlotID {
	t.Helper()
	ids := seedProving(t, e, e.Hosts[0], 1, 1, dir)
	data, err := datastore.Open(filepath.Join(dir, "data"), nil)
	if err != nil {
		t.Fatal(err)
	}
	dataPath, _ := data.HostedSlotPaths(proof.Hash(ids[0]))
	if err := os.Remove(dataPath); err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestMissedProofCounted: a proof of ours that a validator marks missing
// is counted from the chain's ProofMarkedMissing log (no read per slot).
func TestMissedProofCounted(t *testing.T) {
	e := proofEnv(t, 20, 0)
	dir := t.TempDir()
	ids := seedUnprovable(t, e, dir)
	var m *metrics.Metrics
	h := startProving(t, e, e.Hosts[0], dir, func(c *sales.Config) {
		m = metrics.New(c.Store)
		c.Metrics = m
	})
	h.ids = ids
	length := e.Cfg.Proofs.Period
	fill := e.Now() / length // the fill's own period needs no proof
	for e.Now()/length == fill {
		h.block(t, e)
	}
	missed := e.Now() / length
	for e.Now()/length == missed {
		h.block(t, e)
	}
	if _, err := e.Validator.M.MarkProofAsMissing(context.Background(), ids[0], missed); err != nil {
		t.Fatalf("mark period %d missing: %v", missed, err)
	}
	h.block(t, e)
	var got dto.Metric
	if err := m.ProofsMissed.Write(&got); err != nil {
		t.Fatal(err)
	}
	if got.GetCounter().GetValue() != 1 {
		t.Fatalf("proofs missed metric %v, want 1", got.GetCounter().GetValue())
	}
}

// TestSchedulerFigures prints RPC calls per block and per period for a
// host holding 1 to 1,000 slots in Proving (every slot proves every
// period), and with -sched-figures.big a 10,000-slot run's figures.
//
//	go test ./node/sales -run TestSchedulerFigures -sched-figures -v -timeout 60m
func TestSchedulerFigures(t *testing.T) {
	if !*schedFigures {
		t.Skip("pass -sched-figures")
	}
	const period = 40
	var rows, vrows []string
	var perBlock1, vPerBlock1 float64
	var ns []int
	for _, f := range strings.Split(*schedNs, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			t.Fatalf("-sched-figures.n: %q is not a slot count", f)
		}
		ns = append(ns, n)
	}
	confirm := "proofs confirmed from their ProofSubmitted logs"
	if *schedReceipts {
		confirm = "proofs confirmed by receipt only"
	}
	for _, n := range ns {
		e := proofEnv(t, period, 400_000_000)
		dir := t.TempDir()
		ids := seedProving(t, e, e.Hosts[0], n, 1, dir)
		h := startProving(t, e, e.Hosts[0], dir)
		h.ids = ids
		h.watch = newWatcher(t, e)
		if got := h.watch.v.Watched(); got != n {
			t.Fatalf("validator watches %d slots, want %d", got, n)
		}
		calls, blocks, due, proved := provePeriods(t, e, h, 2)
		h.stop()
		base, send := split(calls)
		pb := float64(base) / float64(blocks)
		vb := float64(total(h.vcalls)) / float64(blocks)
		if n == 1 {
			perBlock1, vPerBlock1 = pb, vb
		}
		rows = append(rows, fmt.Sprintf("| %d | %.2f | %.1f | %.2f | %d | %d/%d | %s |", n, pb, float64(base)/2, pb/perBlock1, send, proved, due, byMethod(calls)))
		vrows = append(vrows, fmt.Sprintf("| %d | %.2f | %.1f | %.2f | %d | %s |", n, vb, float64(total(h.vcalls))/2, vb/vPerBlock1, h.watch.marked.Load(), byMethod(h.vcalls)))
	}
	fmt.Printf("\nProving scheduler, period %d blocks (1 s each), proof probability 1, 2 periods, tx manager polled once per block, %s:\n", period, confirm)
	fmt.Println("| slots | calls/block (sends aside) | calls/period (sends aside) | ÷ N=1 | send calls | proofs received/due | by method |")
	fmt.Println("|---|---|---|---|---|---|---|")
	for _, r := range rows {
		fmt.Println(r)
	}
	fmt.Println("\nA validator watching the same slots (its own store and ingestor, stepped on every block):")
	fmt.Println("| slots | calls/block | calls/period | ÷ N=1 | marks | by method |")
	fmt.Println("|---|---|---|---|---|---|")
	for _, r := range vrows {
		fmt.Println(r)
	}
	if *schedBig > 0 {
		bigFigure(t, *schedBig)
	}
}

// bigFigure holds n slots (period 120 blocks, proof probability 8, block
// gas limit 1e9) and prints the proofs due and received per period, the
// process's peak RSS, and the time from a restart until the scheduler's
// first round.
func bigFigure(t *testing.T, n int) {
	const period, probability = 120, 8
	e := proofEnv(t, period, 1_000_000_000)
	dir := t.TempDir()
	start := time.Now()
	ids := seedProving(t, e, e.Hosts[0], n, probability, dir)
	seeded := time.Since(start)
	seedRSS := peakRSS()
	// The seeding (datasets built, 10,000 fills mined) is not the node's
	// work: the node's peak is measured from here.
	runtime.GC()
	debug.FreeOSMemory()
	resetPeakRSS()
	h := startProving(t, e, e.Hosts[0], dir)
	h.ids = ids
	calls, blocks, due, proved := provePeriods(t, e, h, 2)
	base, send := split(calls)
	fmt.Printf("\n%d slots in Proving (period %d blocks of 1 s, proof probability %d, block gas limit 1e9, slots of 16 KiB), seeded in %s:\n",
		n, period, probability, seeded.Round(time.Second))
	fmt.Printf("  proofs due %d, received within their period %d over 2 periods (%d blocks); missed by reason (downtime %d, downtime product %d): %v; requirements a pointer wrap withdrew mid-period (not due) %d\n",
		due, proved, blocks, e.Cfg.Proofs.Downtime, e.Cfg.Proofs.DowntimeProduct, h.misses, h.withdrawn)
	fmt.Printf("  calls/block sends aside %.2f, send calls %d\n", float64(base)/float64(blocks), send)
	for run := 1; run <= *schedRestarts; run++ {
		h = restartFigure(t, e, h, ids, run)
	}
	h.stop()
	fmt.Printf("  peak RSS of the test process (simulated chain included): %s while seeding; %s from the node's start through proving and the restarts\n", seedRSS, peakRSS())
}

// resetPeakRSS sets the process's VmHWM to its current RSS (Linux's
// clear_refs 5), so that peakRSS measures from here.
func resetPeakRSS() {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		fmt.Printf("  (peak RSS not reset: %v)\n", err)
	}
}

// restartFigure stops h, lets the chain mine a block while the node is
// down (the proofs h left in the pool: the simulated chain's work, timed
// apart), restarts the node on the same dirs and prints how long it took
// until the scheduler's first round began, and until that round had built
// and sent its proofs, with its phases. It returns the restarted node.
func restartFigure(t *testing.T, e *ct.Env, h *provingHost, ids []contracts.SlotID, run int) *provingHost {
	h.stop()
	at := time.Now()
	e.Commit()
	mined := time.Since(at)
	head := e.Head().Number.Uint64()
	if run == 1 && *schedRestartProfile != "" {
		f, err := os.Create(*schedRestartProfile)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			t.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	t0, cpu0 := time.Now(), processCPU()
	h2 := startProving(t, e, e.Hosts[0], h.dir)
	h2.ids = ids
	at = time.Now()
	if err := h2.in.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	h2.phase("sync", &at)
	h2.waitRound(t, head)
	sent := time.Since(t0)
	began := h2.firstRound.Load().Sub(t0)
	cpu := time.Duration(h2.firstRoundCPU.Load()) - cpu0
	fmt.Printf("  restart %d: the chain mined the block the node left in its pool in %s (not counted); the node, from opening its store: "+
		"the scheduler's first round began after %s (process CPU %s meanwhile, the simulated chain's RPC included), had built and sent its proofs after %s; phases: %s\n",
		run, mined.Round(time.Millisecond), began.Round(time.Millisecond), cpu.Round(time.Millisecond), sent.Round(time.Millisecond), strings.Join(h2.phases, ", "))
	return h2
}

// processCPU is the CPU time the process has used (user and system): on
// a shared machine the wall time of a restart depends on the load, this
// much less.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS is the process's VmHWM from /proc.
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(l, "VmHWM:"))
		}
	}
	return "unknown"
}

// contentPath is the slot root's path to the dataset's content root, as
// fillSlot takes it.
func contentPath(ds ct.Dataset, index uint64) ([][32]byte, error) {
	path, err := proof.ContentPath(ds.Roots, index)
	if err != nil {
		return nil, err
	}
	out := make([][32]byte, len(path))
	for i, h := range path {
		out[i] = h
	}
	return out, nil
}

// hangingStatuses is a Market whose first slot status read is never
// answered: the call waits until its context ends, as one does on a
// websocket the RPC dropped without a word.
type hangingStatuses struct {
	sales.Market
	calls atomic.Int32
}

func (m *hangingStatuses) SlotStatuses(ctx context.Context, slots []contracts.SlotID, markPeriod uint64) ([]contracts.SlotStatus, error) {
	if m.calls.Add(1) == 1 {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return m.Market.SlotStatuses(ctx, slots, markPeriod)
}

// TestUnansweredReadHoldsNoLaterRound: a status read the RPC never answers
// ends with its round's deadline, and the next rounds prove every period.
// The old scheduler waited on it for good, and proved nothing more
// (campaign seed 127705438747614: a minute without a proof after a 1.6 s
// RPC outage, two periods marked missing).
func TestUnansweredReadHoldsNoLaterRound(t *testing.T) {
	e := proofEnv(t, 8, 0) // rounds' reads are cut off after 4 s
	dir := t.TempDir()
	ids := seedProving(t, e, e.Hosts[0], 1, 1, dir)
	var m *hangingStatuses
	h := startProving(t, e, e.Hosts[0], dir, func(c *sales.Config) {
		m = &hangingStatuses{Market: c.Market}
		c.Market = m
	})
	h.ids = ids
	_, _, due, proved := provePeriods(t, e, h, 2)
	if m.calls.Load() < 2 || due == 0 || proved != due {
		t.Fatalf("%d status reads; %d proofs due, %d received", m.calls.Load(), due, proved)
	}
}
