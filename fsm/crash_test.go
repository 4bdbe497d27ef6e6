package fsm

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/slotd/slotd/persist"
	"github.com/slotd/slotd/retry"
)

// The crash test runs the test binary itself as a host node: it sells a
// set of queued slots with a fake chain whose once-only actions (fill,
// proof of a period, payout) go to an append-only file, fsynced, like
// transactions on a real chain. The parent kills it with SIGKILL at
// random moments, restarts it on the same store and chain, and in the end
// checks that every slot finished, was filled and paid exactly once and
// proven exactly once in every period, and that no side effect ran for a
// state the agent had already left.

const (
	crashEnv     = "SLOTD_FSM_CRASH_DIR"
	crashSlots   = 32
	crashPeriods = 8
	crashSize    = 10
)

var crashSeed = flag.Uint64("crash.seed", 0, "seed of TestCrashKill9's kill times (0: time-based)")

func crashSale(i uint64) Sale { return saleOf(reqN(100+i/4), i%4, crashSize) }

// fakeChain is the once-only record of what the host did on chain.
type fakeChain struct {
	mu   sync.Mutex
	f    *os.File
	seen map[string]int
}

func openChain(path string) (*fakeChain, error) {
	c := &fakeChain{seen: map[string]int{}}
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	// SIGKILL can cut a write that crosses a page boundary of the file
	// (the kernel checks for a fatal signal between pages), leaving a torn
	// last line. Its send never returned, so like a transaction never
	// broadcast it did not happen: cut it off, or the next append would
	// glue itself to it and read back as one action nobody sent.
	whole := strings.LastIndexByte(string(data), '\n') + 1
	for _, l := range strings.Split(string(data[:whole]), "\n") {
		if l != "" {
			c.seen[l]++
		}
	}
	if whole < len(data) {
		if err := os.Truncate(path, int64(whole)); err != nil {
			return nil, err
		}
	}
	c.f, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	return c, err
}

func (c *fakeChain) has(what string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seen[what] > 0
}

// send records what; like a tx it is durable once it returns. The check
// (has) and the send are not atomic: two drivers of one agent would both
// send, which is what the test would catch.
func (c *fakeChain) send(what string) error {
	if _, err := c.f.WriteString(what + "\n"); err != nil {
		return err
	}
	if err := c.f.Sync(); err != nil {
		return err
	}
	c.mu.Lock()
	c.seen[what]++
	c.mu.Unlock()
	return nil
}

// crashFx are the child's side effects: idempotent as the Effects
// contract asks (each checks the chain before sending), slow enough to be
// killed in the middle, and failing transiently now and then.
type crashFx struct {
	chain *fakeChain
	log   *os.File // "slot state" at the start of every side effect
	logMu sync.Mutex
}

func (fx *crashFx) enter(ctx context.Context, a *Agent, state string) error {
	fx.logMu.Lock()
	fmt.Fprintf(fx.log, "%s %s\n", a.SlotID(), state)
	fx.logMu.Unlock()
	time.Sleep(time.Duration(rand.IntN(4000)) * time.Microsecond)
	if rand.IntN(10) == 0 {
		return retry.MarkTransient(errors.New("rpc timeout"))
	}
	return ctx.Err()
}

func (fx *crashFx) once(ctx context.Context, what string) error {
	if fx.chain.has(what) {
		return nil
	}
	time.Sleep(time.Duration(rand.IntN(2000)) * time.Microsecond) // signing, broadcasting
	if err := ctx.Err(); err != nil {
		return err
	}
	return fx.chain.send(what)
}

func (fx *crashFx) simple(ctx context.Context, a *Agent, state string) (Step, error) {
	return Step{}, fx.enter(ctx, a, state)
}

func (fx *crashFx) Prepare(ctx context.Context, a *Agent) (Step, error) {
	return fx.simple(ctx, a, Preparing)
}
func (fx *crashFx) Download(ctx context.Context, a *Agent) (Step, error) {
	return fx.simple(ctx, a, Downloading)
}
func (fx *crashFx) InitialProve(ctx context.Context, a *Agent) (Step, error) {
	return fx.simple(ctx, a, InitialProving)
}
func (fx *crashFx) Fill(ctx context.Context, a *Agent) (Step, error) {
	if err := fx.enter(ctx, a, Filling); err != nil {
		return Step{}, err
	}
	return Step{Detail: "fill"}, fx.once(ctx, "fill "+a.SlotID().String())
}
func (fx *crashFx) ConfirmFill(ctx context.Context, a *Agent) (Step, error) {
	if err := fx.enter(ctx, a, Filled); err != nil {
		return Step{}, err
	}
	if !fx.chain.has("fill " + a.SlotID().String()) {
		return Step{Outcome: Lost, Detail: "not our fill"}, nil
	}
	return Step{}, nil
}
func (fx *crashFx) Prove(ctx context.Context, a *Agent) (Step, error) {
	if err := fx.enter(ctx, a, Proving); err != nil {
		return Step{}, err
	}
	for p := 1; p <= crashPeriods; p++ {
		if err := fx.once(ctx, fmt.Sprintf("proof %s %d", a.SlotID(), p)); err != nil {
			return Step{}, err
		}
	}
	return Step{Detail: "request ended"}, nil
}
func (fx *crashFx) Payout(ctx context.Context, a *Agent) (Step, error) {
	if err := fx.enter(ctx, a, Payout); err != nil {
		return Step{}, err
	}
	return Step{Detail: "paid"}, fx.once(ctx, "paid "+a.SlotID().String())
}

func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashEnv)
	if dir == "" {
		t.Skip("run by TestCrashKill9")
	}
	exit := func(code int, args ...any) {
		fmt.Println(args...)
		os.Exit(code)
	}
	go func() { // never outlive a dead parent for long
		time.Sleep(30 * time.Second)
		exit(4, "child timed out")
	}()
	s, err := persist.Open(filepath.Join(dir, "slotd.db"), nil)
	if err != nil {
		exit(3, "open:", err)
	}
	chain, err := openChain(filepath.Join(dir, "chain.log"))
	if err != nil {
		exit(3, "chain:", err)
	}
	log, err := os.OpenFile(filepath.Join(dir, "effects.log"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		exit(3, "log:", err)
	}
	r, err := New(Options{Store: s, Effects: &crashFx{chain: chain, log: log}, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond})
	if err != nil {
		exit(3, err)
	}
	if err := r.Start(context.Background()); err != nil {
		exit(3, "start:", err)
	}
	fmt.Println("ready")
	// The queue's worker: sell what is still queued. A slot whose agent
	// was created left the queue in the same transaction.
	var queued []persist.QueueItem
	if err := s.View(func(tx *persist.Tx) error {
		return tx.ForEachQueueItem(func(q persist.QueueItem) error { queued = append(queued, q); return nil })
	}); err != nil {
		exit(3, "queue:", err)
	}
	work := make(chan persist.QueueItem, len(queued))
	for _, q := range queued {
		work <- q
	}
	close(work)
	var wg sync.WaitGroup
	for range 3 { // workers: each waits for its agent's release
		wg.Go(func() {
			for q := range work {
				a, err := r.Sell(context.Background(), Sale{SlotID: q.SlotID, RequestID: q.RequestID, SlotIndex: q.SlotIndex, SlotSize: q.SlotSize})
				if err != nil {
					exit(3, "sell:", err)
				}
				<-a.Released()
			}
		})
	}
	wg.Wait()
	for r.Len() > 0 {
		time.Sleep(time.Millisecond)
	}
	r.Stop()
	if err := s.Close(); err != nil {
		exit(3, "close:", err)
	}
	exit(0, "finished")
}

func TestCrashKill9(t *testing.T) {
	if os.Getenv(crashEnv) != "" {
		t.Skip("in child")
	}
	kills := 60
	if testing.Short() {
		kills = 15
	}
	seed := *crashSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (replay the kill times with -crash.seed)", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	dir := t.TempDir()
	s, err := persist.Open(filepath.Join(dir, "slotd.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	av := addAvail(t, s, crashSlots*crashSize)
	mustUpdate(t, s, func(tx *persist.Tx) error {
		for i := range uint64(crashSlots) {
			sale := crashSale(i)
			if err := tx.PutQueueItem(&persist.QueueItem{SlotID: sale.SlotID, RequestID: sale.RequestID, SlotIndex: sale.SlotIndex, SlotSize: sale.SlotSize}); err != nil {
				return err
			}
		}
		return nil
	})
	s.Close()

	killed, finished := 0, false
	for round := 0; round < kills+10 && !finished; round++ {
		var err error
		finished, err = crashRound(dir, rng, round < kills)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if !finished {
			killed++
		}
	}
	if !finished {
		t.Fatal("the node never finished")
	}
	t.Logf("killed %d times, then ran to completion", killed)

	s, err = persist.Open(filepath.Join(dir, "slotd.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	chain, err := openChain(filepath.Join(dir, "chain.log"))
	if err != nil {
		t.Fatal(err)
	}
	chain.f.Close()
	for l, n := range chain.seen {
		if n != 1 {
			t.Errorf("%q on chain %d times", l, n)
		}
	}
	ran := effectsBySlot(t, filepath.Join(dir, "effects.log"))
	for i := range uint64(crashSlots) {
		slot := crashSale(i).SlotID
		j := checkJournal(t, s, slot)
		if st := j[len(j)-1].To; st != Finished {
			t.Fatalf("slot %d ended %s: %v", i, st, path(j))
		}
		if len(j) != len(live)+1 {
			t.Errorf("slot %d journal %v", i, path(j))
		}
		for _, what := range []string{"fill " + slot.String(), "paid " + slot.String()} {
			if chain.seen[what] != 1 {
				t.Errorf("%s: %d times", what, chain.seen[what])
			}
		}
		for p := 1; p <= crashPeriods; p++ {
			if what := fmt.Sprintf("proof %s %d", slot, p); chain.seen[what] != 1 {
				t.Errorf("%s: %d times (missed or doubled)", what, chain.seen[what])
			}
		}
		// Never a side effect of a state the agent had left.
		states := ran[slot]
		idx := func(st string) int { return slices.Index(live, st) }
		for k := 1; k < len(states); k++ {
			if idx(states[k]) < idx(states[k-1]) {
				t.Fatalf("slot %d ran %s after %s: %v", i, states[k], states[k-1], states)
			}
		}
	}
	if len(chain.seen) != crashSlots*(2+crashPeriods) {
		t.Fatalf("%d chain actions, want %d; unexpected: %q", len(chain.seen), crashSlots*(2+crashPeriods), unexpectedActions(chain.seen))
	}
	if free := freeBytes(t, s, av); free != crashSlots*crashSize {
		t.Fatalf("%d bytes free at the end", free)
	}
	if err := s.View(func(tx *persist.Tx) error {
		return tx.ForEachQueueItem(func(q persist.QueueItem) error { return fmt.Errorf("queued %s", q.SlotID) })
	}); err != nil {
		t.Fatal(err)
	}
}

// crashRound runs the child once; with kill it is killed a random while
// after it is ready. It reports whether the child finished the work.
func crashRound(dir string, rng *rand.Rand, kill bool) (bool, error) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.v")
	cmd.Env = append(os.Environ(), crashEnv+"="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return false, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return false, err
	}
	ready := make(chan struct{})
	said := make(chan []string, 1)
	go func() {
		var lines []string
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if sc.Text() == "ready" {
				close(ready)
			}
			lines = append(lines, sc.Text())
		}
		said <- lines
	}()
	if kill {
		select {
		case <-ready:
		case <-time.After(20 * time.Second):
		}
		time.Sleep(time.Duration(rng.IntN(10_000)) * time.Microsecond)
		cmd.Process.Signal(syscall.SIGKILL)
	}
	lines := <-said
	err = cmd.Wait()
	if slices.Contains(lines, "finished") {
		return true, nil
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL {
		return false, nil
	}
	return false, fmt.Errorf("child: %v: %q", err, lines)
}

// unexpectedActions lists the chain's lines that no slot of the test
// should have sent.
func unexpectedActions(seen map[string]int) []string {
	want := map[string]bool{}
	for i := range uint64(crashSlots) {
		slot := crashSale(i).SlotID.String()
		want["fill "+slot], want["paid "+slot] = true, true
		for p := 1; p <= crashPeriods; p++ {
			want[fmt.Sprintf("proof %s %d", slot, p)] = true
		}
	}
	var out []string
	for l := range seen {
		if !want[l] {
			out = append(out, l)
		}
	}
	slices.Sort(out)
	return out
}

func effectsBySlot(t *testing.T, path string) map[persist.ID][]string {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[persist.ID][]string{}
	for _, l := range strings.Split(string(data), "\n") {
		f := strings.Fields(l)
		if len(f) != 2 {
			continue
		}
		id, err := persist.ParseID(f[0])
		if err != nil {
			continue
		}
		out[id] = append(out[id], f[1])
	}
	return out
}

// A send the kill cut in the middle must not merge with the next one: the
// crash test once counted 321 distinct chain actions for 320 sends.
func TestFakeChainCutsATornSend(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chain.log")
	if err := os.WriteFile(path, []byte("fill a\npro"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := openChain(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.send("paid a"); err != nil {
		t.Fatal(err)
	}
	c.f.Close()
	c, err = openChain(path)
	if err != nil {
		t.Fatal(err)
	}
	c.f.Close()
	if want := map[string]int{"fill a": 1, "paid a": 1}; !maps.Equal(c.seen, want) {
		t.Fatalf("chain holds %v, want %v", c.seen, want)
	}
}
