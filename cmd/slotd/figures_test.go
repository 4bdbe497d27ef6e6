package main

import (
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/slotd/slotd/persist"
	"golang.org/x/sys/unix"
)

// The store figures of the README:
//
//	go test ./cmd/slotd -run TestFigures -figures -v
//
// builds a store with 100,000 agents (4 journal entries each) and 10,000
// queue items, then prints the time to open it and load what a node needs
// at start, and the peak RSS of the real `slotd dump` binary on it.
var figures = flag.Bool("figures", false, "build a 100k-agent store and print startup time and dump RSS")

const (
	figAgents = 100_000
	figQueue  = 10_000
	figBatch  = 5_000
)

func figID(kind byte, n uint64) persist.ID {
	var id persist.ID
	id[0] = kind
	binary.BigEndian.PutUint64(id[1:], n*0x9E3779B97F4A7C15) // spread keys like hashes
	binary.BigEndian.PutUint64(id[24:], n)
	return id
}

func TestFigures(t *testing.T) {
	if !*figures {
		t.Skip("run with -figures")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "slotd.db")

	start := time.Now()
	buildBigStore(t, path)
	build := time.Since(start)
	fi, _ := os.Stat(path)

	// Warm and cold (file evicted from the page cache) startups; the best
	// of three, since the machine may be busy with other work.
	var warm, cold startupResult
	for i := range 3 {
		if r := startup(t, path); i == 0 || r.d < warm.d {
			warm = r
		}
		evict(t, path)
		if r := startup(t, path); i == 0 || r.d < cold.d {
			cold = r
		}
	}

	bin := filepath.Join(dir, "slotd")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	fmt.Printf("store: %d agents, %d journal entries, %d queue items; %.1f MB; built in %v\n",
		figAgents, 4*figAgents, figQueue, float64(fi.Size())/1e6, build.Round(time.Millisecond))
	fmt.Printf("startup (open + load agents, queue, cursor, availabilities, reservations, txs): warm %v, cold %v (%d agents, %d queue items)\n",
		warm.d.Round(time.Millisecond), cold.d.Round(time.Millisecond), warm.agents, warm.queue)
	for _, args := range [][]string{{"agents"}, {"--json", "agents"}, {"queue"}, {"journal"}, {"all"}} {
		evict(t, path)
		rss, d := measureDump(t, bin, path, args...)
		fmt.Printf("slotd dump %-16s peak RSS %5.1f MB  (%v, cold cache)\n", fmt.Sprint(args), float64(rss)/1024, d.Round(time.Millisecond))
	}
	rss, _ := measureCmd(t, bin, "help")
	fmt.Printf("(floor: `slotd help`, which opens nothing, peaks at %.1f MB)\n", float64(rss)/1024)
}

func buildBigStore(t *testing.T, path string) {
	s, err := persist.Open(path, &persist.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	states := []string{"preparing", "downloading", "filling", "filled", "proving"}
	err = s.Update(context.Background(), func(tx *persist.Tx) error {
		return tx.AddAvailability(&persist.Availability{TotalSize: 1 << 50, Duration: 1 << 30,
			MinPricePerBytePerSecond: big.NewInt(1), MaxCollateralPerByte: big.NewInt(1 << 40), Created: t0})
	})
	if err != nil {
		t.Fatal(err)
	}
	for lo := uint64(0); lo < figAgents; lo += figBatch {
		err := s.Update(context.Background(), func(tx *persist.Tx) error {
			for i := lo; i < lo+figBatch; i++ {
				slot := figID('s', i)
				a := persist.Agent{SlotID: slot, RequestID: figID('r', i/8), SlotIndex: i % 8, AvailabilityID: 1, Reserved: 64 << 20}
				if err := tx.Reserve(1, slot, 64<<20); err != nil {
					return err
				}
				from := ""
				for k, to := range states[:4] {
					e := persist.JournalEntry{From: from, To: to, Event: "ev-" + to, Time: t0.Add(time.Duration(i+uint64(k)) * time.Second), Block: i + uint64(k)}
					if err := tx.Transition(&a, &e); err != nil {
						return err
					}
					from = to
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	err = s.Update(context.Background(), func(tx *persist.Tx) error {
		for i := uint64(0); i < figQueue; i++ {
			q := persist.QueueItem{SlotID: figID('q', i), RequestID: figID('r', 1_000_000+i/4), SlotIndex: i % 4, SlotSize: 64 << 20,
				Duration: 86400, PricePerBytePerSecond: big.NewInt(int64(1000 + i)), CollateralPerByte: big.NewInt(7), Expiry: 1_800_000_000 + i}
			if err := tx.PutQueueItem(&q); err != nil {
				return err
			}
		}
		return tx.SetCursor(persist.Cursor{Number: 1_000_000, Hash: figID('b', 1)})
	})
	if err != nil {
		t.Fatal(err)
	}
}

type startupResult struct {
	d             time.Duration
	agents, queue int
}

// startup does what a node does first: open the store and load the
// agents to restore, the queue to rebuild, the cursor to replay from,
// availabilities, reservations and pending transactions.
func startup(t *testing.T, path string) startupResult {
	start := time.Now()
	s, err := persist.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	agents := make(map[persist.ID]persist.Agent)
	var queue []persist.QueueItem
	err = s.View(func(tx *persist.Tx) error {
		if err := tx.ForEachAgent(func(a persist.Agent) error { agents[a.SlotID] = a; return nil }); err != nil {
			return err
		}
		if err := tx.ForEachQueueItem(func(q persist.QueueItem) error { queue = append(queue, q); return nil }); err != nil {
			return err
		}
		if _, err := tx.Cursor(); err != nil {
			return err
		}
		if err := tx.ForEachAvailability(func(persist.Availability) error { return nil }); err != nil {
			return err
		}
		if err := tx.ForEachReservation(func(persist.Reservation) error { return nil }); err != nil {
			return err
		}
		return tx.ForEachTxRecord(func(persist.TxRecord) error { return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	d := time.Since(start)
	s.Close()
	return startupResult{d, len(agents), len(queue)}
}

// evict drops the file's pages from the page cache (a cold start).
func evict(t *testing.T, path string) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED); err != nil {
		t.Logf("fadvise: %v (figures are warm-cache)", err)
	}
}

// measureDump runs `slotd dump` with stdout to /dev/null and returns its
// peak RSS in KiB (ru_maxrss) and wall time. Linux carries the RSS
// high-water mark of the process that forks into the child's ru_maxrss,
// so the dump is not started from this (large) test process but from a
// small helper, this test binary re-executed as TestRSSHelper; the
// helper's own few MB are then the floor of the figure.
func measureDump(t *testing.T, bin, path string, args ...string) (int64, time.Duration) {
	return measureCmd(t, bin, append([]string{"dump", "--db", path}, args...)...)
}

func measureCmd(t *testing.T, bin string, args ...string) (int64, time.Duration) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestRSSHelper$")
	cmd.Env = append(os.Environ(), "SLOTD_RSS_HELPER="+strings.Join(append([]string{bin}, args...), "\x1f"))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("dump %v: %v", args, err)
	}
	var rss int64
	var d time.Duration
	if _, err := fmt.Sscanf(string(out), "rss %d wall %d", &rss, &d); err != nil {
		t.Fatalf("helper said %q", out)
	}
	return rss, d
}

// TestRSSHelper runs the command in $SLOTD_RSS_HELPER (fields separated by 0x1f) with
// stdout to /dev/null and prints its ru_maxrss and wall time.
func TestRSSHelper(t *testing.T) {
	spec := os.Getenv("SLOTD_RSS_HELPER")
	if spec == "" {
		t.Skip("used by TestFigures")
	}
	argv := strings.Split(spec, "\x1f")
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout = null
	cmd.Stderr = os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("rss %d wall %d\n", cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss, time.Since(start))
}
