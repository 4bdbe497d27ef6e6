package fsm

import (
	"bufio"
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slotd/slotd/persist"
)

// The restart figures of issue 6:
//
//	go test ./fsm -run TestFigures -figures -v
//
// builds a store with 10,000 in-flight agents (every live state, full
// journals, reservations), then restarts a node on it in a fresh process:
// open the store, Restore, Start, and wait until every agent's side effect
// has been called (the fake side effects then block, as a proving loop
// would). It prints the time of each phase and the process's RSS.
// -figures.agents changes the count.
var (
	figures      = flag.Bool("figures", false, "build a store of in-flight agents and print restart time and RSS")
	figureAgents = flag.Int("figures.agents", 10_000, "agents in the -figures store")
)

const figuresEnv = "SLOTD_FSM_FIGURES_DB"

func figID(kind byte, n uint64) persist.ID {
	var id persist.ID
	id[0] = kind
	binary.BigEndian.PutUint64(id[1:], n*0x9E3779B97F4A7C15) // spread keys like hashes
	binary.BigEndian.PutUint64(id[24:], n)
	return id
}

// buildInFlight writes n agents spread over the live states, each with the
// journal of a clean sale up to its state and its reservation.
func buildInFlight(t testing.TB, path string, n int) {
	s, err := persist.Open(path, &persist.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mustUpdate(t, s, func(tx *persist.Tx) error {
		return tx.AddAvailability(&persist.Availability{TotalSize: 1 << 50, Duration: 1 << 30})
	})
	const batch = 2000
	for lo := 0; lo < n; lo += batch {
		mustUpdate(t, s, func(tx *persist.Tx) error {
			for i := lo; i < min(lo+batch, n); i++ {
				slot := figID('s', uint64(i))
				if err := tx.Reserve(1, slot, 64<<20); err != nil {
					return err
				}
				a := persist.Agent{SlotID: slot, RequestID: figID('r', uint64(i/8)), SlotIndex: uint64(i % 8), AvailabilityID: 1, Reserved: 64 << 20}
				from := ""
				for k, ev := range pathTo(live[i%len(live)]) {
					to, _ := Destination(from, ev)
					e := persist.JournalEntry{From: from, To: to, Event: ev, Time: t0.Add(time.Duration(i+k) * time.Second), Block: uint64(1000 + i + k), Detail: "figures"}
					if err := tx.Transition(&a, &e); err != nil {
						return err
					}
					from = to
				}
			}
			return nil
		})
	}
}

func TestFigures(t *testing.T) {
	if !*figures {
		t.Skip("run with -figures")
	}
	path := filepath.Join(t.TempDir(), "slotd.db")
	start := time.Now()
	buildInFlight(t, path, *figureAgents)
	fi, _ := os.Stat(path)
	fmt.Printf("store: %d in-flight agents, %.1f MB, built in %v\n", *figureAgents, float64(fi.Size())/1e6, time.Since(start).Round(time.Millisecond))
	for i := range 3 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestFiguresChild$")
		cmd.Env = append(os.Environ(), figuresEnv+"="+path)
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		sc := bufio.NewScanner(strings.NewReader(string(out)))
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "restart") {
				fmt.Printf("run %d: %s\n", i+1, sc.Text())
			}
		}
	}
}

// resumeFx counts the first side effect call of each agent, then blocks
// like a long-running step.
type resumeFx struct {
	wg   *sync.WaitGroup
	once sync.Map
}

func (f *resumeFx) step(ctx context.Context, a *Agent) (Step, error) {
	if _, dup := f.once.LoadOrStore(a.SlotID(), true); !dup {
		f.wg.Done()
	}
	<-ctx.Done()
	return Step{}, ctx.Err()
}
func (f *resumeFx) Prepare(ctx context.Context, a *Agent) (Step, error)      { return f.step(ctx, a) }
func (f *resumeFx) Download(ctx context.Context, a *Agent) (Step, error)     { return f.step(ctx, a) }
func (f *resumeFx) InitialProve(ctx context.Context, a *Agent) (Step, error) { return f.step(ctx, a) }
func (f *resumeFx) Fill(ctx context.Context, a *Agent) (Step, error)         { return f.step(ctx, a) }
func (f *resumeFx) ConfirmFill(ctx context.Context, a *Agent) (Step, error)  { return f.step(ctx, a) }
func (f *resumeFx) Prove(ctx context.Context, a *Agent) (Step, error)        { return f.step(ctx, a) }
func (f *resumeFx) Payout(ctx context.Context, a *Agent) (Step, error)       { return f.step(ctx, a) }

// TestFiguresChild is the restarting node of TestFigures.
func TestFiguresChild(t *testing.T) {
	path := os.Getenv(figuresEnv)
	if path == "" {
		t.Skip("run by TestFigures")
	}
	base := rssKB("VmRSS")
	t0 := time.Now()
	s, err := persist.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tOpen := time.Since(t0)
	var wg sync.WaitGroup
	fx := &resumeFx{wg: &wg}
	r, err := New(Options{Store: s, Effects: fx})
	if err != nil {
		t.Fatal(err)
	}
	n, err := r.Restore()
	if err != nil {
		t.Fatal(err)
	}
	tRestore := time.Since(t0)
	wg.Add(n)
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	tAll := time.Since(t0)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("restart %d agents: open %v, restored %v, all side effects resumed %v; RSS %.1f MB (%.1f MB before open, peak %.1f MB), heap %.1f MB, stacks %.1f MB, %d goroutines\n",
		n, tOpen.Round(time.Millisecond), tRestore.Round(time.Millisecond), tAll.Round(time.Millisecond),
		float64(rssKB("VmRSS"))/1024, float64(base)/1024, float64(rssKB("VmHWM"))/1024, float64(ms.HeapInuse)/(1<<20), float64(ms.StackInuse)/(1<<20), runtime.NumGoroutine())
	r.Stop()
}

// rssKB reads a field of /proc/self/status in kB (0 where there is none).
func rssKB(field string) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(l, field+":"); ok {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(rest), "%d", &kb)
			return kb
		}
	}
	return 0
}

// BenchmarkRestore is the restart of TestFigures in-process, with 1,000
// agents per iteration: open, Restore, Start, every side effect called.
func BenchmarkRestore(b *testing.B) {
	const n = 1000
	path := filepath.Join(b.TempDir(), "slotd.db")
	buildInFlight(b, path, n)
	for b.Loop() {
		s, err := persist.Open(path, nil)
		if err != nil {
			b.Fatal(err)
		}
		var wg sync.WaitGroup
		wg.Add(n)
		r, err := New(Options{Store: s, Effects: &resumeFx{wg: &wg}})
		if err != nil {
			b.Fatal(err)
		}
		if err := r.Start(context.Background()); err != nil {
			b.Fatal(err)
		}
		wg.Wait()
		r.Stop()
		s.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/n, "µs/agent")
}
