package campaign

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The campaign runs only when asked, since it takes minutes a seed:
//
//	SLOTD_CAMPAIGN=short  a fixed seed and one random seed (.ci/run)
//	SLOTD_CAMPAIGN=soak   random seeds until SLOTD_CAMPAIGN_FOR (default 1h) is spent
//	SLOTD_CAMPAIGN_SEED=n replay seed n only
const fixedSeed = 16

func TestCampaign(t *testing.T) {
	mode, replay := os.Getenv("SLOTD_CAMPAIGN"), os.Getenv("SLOTD_CAMPAIGN_SEED")
	if mode == "" && replay == "" {
		t.Skip("set SLOTD_CAMPAIGN=short|soak or SLOTD_CAMPAIGN_SEED=n to run the fault campaign (minutes a seed)")
	}
	anvil, _ := filepath.Abs(filepath.Join("..", "..", "node_modules", "@foundry-rs", "anvil-linux-amd64", "bin", "anvil"))
	if _, err := os.Stat(anvil); err != nil || runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Fatalf("anvil not installed at %s: run npm ci", anvil)
	}
	root, err := os.MkdirTemp("", "slotd-campaign-")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(root, "slotd")
	if out, err := exec.Command("go", "build", "-race", "-o", bin, "../../cmd/slotd").CombinedOutput(); err != nil {
		t.Fatalf("build slotd -race: %v\n%s", err, out)
	}
	var seeds []uint64
	var until time.Time
	switch {
	case replay != "":
		s, err := strconv.ParseUint(replay, 10, 64)
		if err != nil {
			t.Fatalf("SLOTD_CAMPAIGN_SEED=%q: want a number", replay)
		}
		seeds = []uint64{s}
	case mode == "short":
		seeds = []uint64{fixedSeed, randomSeed()}
	case mode == "soak":
		d, err := time.ParseDuration(envOr("SLOTD_CAMPAIGN_FOR", "1h"))
		if err != nil {
			t.Fatalf("SLOTD_CAMPAIGN_FOR: %v", err)
		}
		until = time.Now().Add(d)
	default:
		t.Fatalf("SLOTD_CAMPAIGN=%q: want short or soak", mode)
	}
	total := &Result{Matrix: map[MatrixKey]int{}, Hosts: map[string]*HostStats{}}
	failed := 0
	var outcomes []string // one line a seed, for the soak's summary
	for i := 0; i < len(seeds) || (!until.IsZero() && time.Now().Before(until)); i++ {
		seed := randomSeed()
		if i < len(seeds) {
			seed = seeds[i]
		}
		dir := filepath.Join(root, "seed-"+strconv.FormatUint(seed, 10))
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		t.Logf("campaign seed %d (replay: SLOTD_CAMPAIGN_SEED=%d go test -run TestCampaign ./internal/campaign)", seed, seed)
		res, err := Run(context.Background(), Config{Bin: bin, Anvil: anvil, Dir: dir, Seed: seed,
			Requests: 3, Arrival: 20 * time.Second, Duration: 150, Logf: t.Logf})
		if err != nil {
			t.Fatalf("seed %d: harness: %v (logs in %s)", seed, err, dir)
		}
		t.Logf("\n%s", res)
		total.Merge(res)
		outcomes = append(outcomes, fmt.Sprintf("seed %d: %d violations, %s", seed, len(res.Violations), res.Elapsed.Round(time.Second)))
		if len(res.Violations) > 0 {
			failed++
			t.Errorf("seed %d broke %d invariants; logs and stores kept in %s", seed, len(res.Violations), dir)
		} else {
			os.RemoveAll(dir)
		}
		total.Elapsed += res.Elapsed
	}
	t.Logf("all seeds (%d of %d failed):\n%s\n%s", failed, len(outcomes), strings.Join(outcomes, "\n"), total)
	if failed == 0 {
		os.RemoveAll(root)
	}
}

func randomSeed() uint64 {
	var b [8]byte
	rand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:]) >> 16
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
