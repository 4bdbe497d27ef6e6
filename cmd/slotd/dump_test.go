package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slotd/slotd/persist"
	bolt "go.etcd.io/bbolt"
)

var updateGolden = flag.Bool("update", false, "rebuild testdata/dump/fixture.db and rewrite the golden files")

const (
	fixtureDB = "../../testdata/dump/fixture.db"
	goldenDir = "../../testdata/dump"
)

func fid(label string) persist.ID { return persist.ID(sha256.Sum256([]byte(label))) }

func big10(s string) *big.Int {
	x, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic(s)
	}
	return x
}

// buildFixture writes the golden-test store: a little of everything, with
// fixed ids and times so that the dumps are stable.
func buildFixture(t *testing.T, path string) {
	t.Helper()
	s, err := persist.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	slotA, slotB, slotC := fid("slot-a"), fid("slot-b"), fid("slot-c")
	req := fid("request-1")
	steps := []func(tx *persist.Tx) error{
		func(tx *persist.Tx) error {
			a1 := persist.Availability{TotalSize: 1 << 30, Duration: 30 * 86400, MinPricePerBytePerSecond: big.NewInt(1000),
				MaxCollateralPerByte: big10("5000000000000000000"), Created: at(0)}
			a2 := persist.Availability{TotalSize: 512 << 20, Duration: 7 * 86400, MinPricePerBytePerSecond: big.NewInt(2500),
				MaxCollateralPerByte: big.NewInt(10), Created: at(1)}
			if err := tx.AddAvailability(&a1); err != nil {
				return err
			}
			return tx.AddAvailability(&a2)
		},
	}
	transition := func(slot persist.ID, index uint64, from, to, event string, min int, block uint64, detail string) {
		steps = append(steps, func(tx *persist.Tx) error {
			a := persist.Agent{SlotID: slot, RequestID: req, SlotIndex: index}
			if old, err := tx.Agent(slot); err == nil {
				a = old
			}
			if to == "errored" {
				a.Reason = detail
			}
			if from == "" {
				avail := uint64(1)
				if slot == slotC {
					avail = 2
				}
				if err := tx.Reserve(avail, slot, 64<<20); err != nil {
					return err
				}
				a.AvailabilityID, a.Reserved = avail, 64<<20
			}
			if to == "errored" {
				if _, err := tx.Release(slot); err != nil {
					return err
				}
				a.Reserved = 0
			}
			return tx.Transition(&a, &persist.JournalEntry{From: from, To: to, Event: event, Time: at(min), Block: block, Detail: detail})
		})
	}
	transition(slotA, 0, "", "preparing", "start", 2, 100, "")
	transition(slotA, 0, "preparing", "downloading", "reserved", 3, 101, "availability 1")
	transition(slotA, 0, "downloading", "filling", "downloaded", 10, 130, "67108864 bytes verified")
	transition(slotA, 0, "filling", "filled", "fill-confirmed", 12, 135, "tx 0x"+strings.Repeat("ab", 32))
	transition(slotA, 0, "filled", "proving", "period", 13, 136, "")
	transition(slotB, 1, "", "preparing", "start", 4, 102, "")
	transition(slotB, 1, "preparing", "errored", "download-failed", 5, 103, "slot root mismatch at cell 4096")
	transition(slotC, 2, "", "preparing", "start", 6, 104, "")
	transition(slotC, 2, "preparing", "downloading", "reserved", 7, 105, "availability 2")
	steps = append(steps, func(tx *persist.Tx) error {
		for i, label := range []string{"slot-q1", "slot-q2", "slot-q3"} {
			q := persist.QueueItem{SlotID: fid(label), RequestID: fid("request-2"), SlotIndex: uint64(i), SlotSize: 64 << 20,
				Duration: 86400 * uint64(i+1), PricePerBytePerSecond: big10("12345678901234567890"),
				CollateralPerByte: big.NewInt(int64(7 * (i + 1))), Expiry: 1772366400 + uint64(i)}
			if err := tx.PutQueueItem(&q); err != nil {
				return err
			}
		}
		c := persist.Cursor{Number: 1234, Hash: fid("block-1234"), Time: 1772366500}
		for n := uint64(1231); n < 1234; n++ {
			c.Recent = append(c.Recent, persist.BlockRef{Number: n, Hash: fid("block-" + u(n))})
		}
		if err := tx.SetCursor(c); err != nil {
			return err
		}
		to, _ := persist.ParseAddress("0x5fbdb2315678afecb367f032d93f642f64180aa3")
		if err := tx.PutTxRecord(persist.TxRecord{Purpose: "approve:" + slotA.String(), Nonce: 4, Hash: fid("tx-approve"),
			Raw: persist.Bytes{0x02, 0xf8, 0x6b}, To: to, Value: big.NewInt(0), GasFeeCap: big10("30000000000"),
			GasTipCap: big10("1000000000"), Status: persist.TxMined, Sent: at(11), Block: 134}); err != nil {
			return err
		}
		if err := tx.PutTxRecord(persist.TxRecord{Purpose: "fill:" + slotA.String(), Nonce: 5, Hash: fid("tx-fill"),
			Raw: persist.Bytes{0x02, 0xf9, 0x01, 0x2c}, To: to, Value: big.NewInt(0), GasFeeCap: big10("30000000000"),
			GasTipCap: big10("1000000000"), Status: persist.TxMined, Sent: at(11), Block: 135}); err != nil {
			return err
		}
		if err := tx.PutTxRecord(persist.TxRecord{Purpose: "proof:" + slotA.String() + ":17", Nonce: 6, Hash: fid("tx-proof"),
			Raw: persist.Bytes{0x02}, To: to, Value: big.NewInt(0), GasFeeCap: big10("31000000000"),
			GasTipCap: big10("1500000000"), Status: persist.TxPending, Sent: at(14)}); err != nil {
			return err
		}
		if err := tx.PutDownload(persist.Download{SlotID: slotC, Root: fid("root-c"), Size: 64 << 20, Verified: 32 << 20,
			Path: "data/slots/" + slotC.String(), Updated: at(8)}); err != nil {
			return err
		}
		if err := tx.PutPurchase(persist.Purchase{RequestID: fid("request-3"), State: "started", CID: "zb2rhe5P4gXftAwvA4eXQ5HJwsER2owDyS9sKaQRRVQPn93bA",
			Expiry: 1772370000, Created: at(0), Updated: at(9), Block: 120}); err != nil {
			return err
		}
		// The ledger at the cursor's time (1772366500): request-1 waits for
		// hosts (slot 0 filled, slot 1 freed), request-2 has finished,
		// request-4 expired unfilled.
		host := "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
		for _, r := range []persist.LedgerRequest{
			{RequestID: req, Slots: 3, SlotSize: 64 << 20, Duration: 86400, MaxSlotLoss: 1, ProofProbability: big.NewInt(4),
				PricePerBytePerSecond: big.NewInt(1000), CollateralPerByte: big.NewInt(10), Expiry: 1772370000, End: 1772452800, Block: 1200},
			{RequestID: fid("request-2"), Slots: 3, SlotSize: 64 << 20, Duration: 86400, ProofProbability: big.NewInt(1),
				PricePerBytePerSecond: big10("12345678901234567890"), CollateralPerByte: big.NewInt(7), Expiry: 1772280000,
				End: 1772366000, Fulfilled: true, Block: 1100},
			{RequestID: fid("request-4"), Slots: 1, SlotSize: 1 << 20, Duration: 3600, ProofProbability: big.NewInt(2),
				PricePerBytePerSecond: big.NewInt(5), CollateralPerByte: big.NewInt(0), Expiry: 1772366400, End: 1772369000, Block: 1210},
		} {
			if err := tx.PutLedgerRequest(r); err != nil {
				return err
			}
		}
		for _, sl := range []persist.LedgerSlot{{RequestID: req, Index: 0, Host: host, Filled: true, Block: 1201},
			{RequestID: req, Index: 1, Host: host, Block: 1230}} {
			if err := tx.PutLedgerSlot(sl); err != nil {
				return err
			}
		}
		// Our proofs of slot 0 of request-1: one period proven, the next
		// marked missing.
		for _, pr := range []persist.LedgerProof{
			{RequestID: req, Index: 0, Period: 29539439, Status: persist.ProofSubmitted, Block: 1210, Time: 1772366350},
			{RequestID: req, Index: 0, Period: 29539440, Status: persist.ProofMissed, Block: 1231, Time: 1772366470},
		} {
			if err := tx.PutLedgerProof(pr); err != nil {
				return err
			}
		}
		if err := tx.PutWatchedSlot(persist.WatchedSlot{SlotID: slotA, RequestID: req, Index: 0, Next: 29539440, Block: 1201}); err != nil {
			return err
		}
		return tx.PutDataset(persist.Dataset{CID: "zb2rhe5P4gXftAwvA4eXQ5HJwsER2owDyS9sKaQRRVQPn93bA", ContentRoot: fid("content-root"),
			Name: "holiday.mp4", Size: 150_000_000, FileHash: fid("file"), Slots: 3, K: 2, M: 1, SlotSize: 75_000_064,
			SlotRoots: []persist.ID{fid("root-0"), fid("root-1"), fid("root-2")}, Dir: "data/datasets/zb2rhe5", Created: at(0)})
	})
	for _, step := range steps {
		if err := s.Update(context.Background(), step); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
}

// dump runs `slotd dump args...` in-process.
func dump(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"dump"}, args...), &out, &errb)
	return out.String(), errb.String(), code
}

var goldenCases = []struct {
	name string
	args []string
}{
	{"all", nil},
	{"agents", []string{"agents"}},
	{"queue", []string{"queue"}},
	{"journal", []string{"journal"}},
	{"journal-slot-a", []string{"journal", fid("slot-a").String()}},
	{"cursor", []string{"cursor"}},
	{"txs", []string{"txs"}},
	{"availabilities", []string{"availabilities"}},
	{"reservations", []string{"reservations"}},
	{"downloads", []string{"downloads"}},
	{"purchases", []string{"purchases"}},
	{"datasets", []string{"datasets"}},
	{"ledger", []string{"ledger"}},
	{"proofs", []string{"proofs"}},
	{"validator", []string{"validator"}},
	{"check", []string{"check"}},
}

func TestDumpGolden(t *testing.T) {
	if *updateGolden {
		os.Remove(fixtureDB)
		buildFixture(t, fixtureDB)
	}
	db := copyFile(t, fixtureDB)
	for _, c := range goldenCases {
		for _, js := range []bool{false, true} {
			name, args := c.name+".golden", append([]string{"--db", db}, c.args...)
			if js {
				// Flags after WHAT are accepted too.
				name, args = c.name+".jsonl.golden", append(args, "--json")
			}
			t.Run(name, func(t *testing.T) {
				out, errOut, code := dump(t, args...)
				if code != exitOK || errOut != "" {
					t.Fatalf("exit %d, stderr %q", code, errOut)
				}
				if js {
					checkJSONLines(t, out)
				}
				golden := filepath.Join(goldenDir, name)
				if *updateGolden {
					if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run with -update to create it)", err)
				}
				if out != string(want) {
					t.Errorf("output differs from %s (run with -update if the change is intended)\ngot:\n%s\nwant:\n%s", golden, out, want)
				}
			})
		}
	}
}

// checkJSONLines: every line is one JSON object with a string "kind".
func checkJSONLines(t *testing.T, out string) {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if k, ok := m["kind"].(string); !ok || k == "" {
			t.Fatalf("line %q has no kind", sc.Text())
		}
	}
}

func copyFile(t *testing.T, src string) string {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "slotd.db")
	if err := os.WriteFile(dst, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return dst
}

func golden(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(goldenDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDumpWhileNodeRuns(t *testing.T) {
	db := copyFile(t, fixtureDB)
	s, err := persist.Open(db, nil) // the "node"
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	start := time.Now()
	out, errOut, code := dump(t, "--db", db, "agents")
	if code != exitError || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	// Catches waiting forever on the lock (bbolt's default), not speed.
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("took %v to give up on the lock", d)
	}
	for _, want := range []string{db, "is a slotd node running", "--live", "--copy"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr does not mention %q:\n%s", want, errOut)
		}
	}

	out, errOut, code = dump(t, "--db", db, "--copy", "agents")
	if code != exitOK || out != golden(t, "agents.golden") || !strings.Contains(errOut, "passed its consistency check") {
		t.Fatalf("--copy: exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
}

func TestDumpLive(t *testing.T) {
	db := copyFile(t, fixtureDB)
	s, err := persist.Open(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mux := http.NewServeMux()
	backup := persist.BackupHandler(s)
	mux.HandleFunc("/api/v1/backup", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer s3cret" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		backup.ServeHTTP(w, r)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	tok := filepath.Join(t.TempDir(), "token")
	os.WriteFile(tok, []byte("s3cret\n"), 0o600)

	out, errOut, code := dump(t, "--live", srv.URL, "--token-file", tok, "agents")
	if code != exitOK || out != golden(t, "agents.golden") {
		t.Fatalf("--live: exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
	out, _, code = dump(t, "--live", srv.URL+"/api/v1/backup", "--token-file", tok, "--json", "journal", fid("slot-a").String())
	if code != exitOK || out != golden(t, "journal-slot-a.jsonl.golden") {
		t.Fatalf("--live with full URL: exit %d:\n%s", code, out)
	}
	os.WriteFile(tok, []byte("wrong"), 0o600)
	_, errOut, code = dump(t, "--live", srv.URL, "--token-file", tok, "agents")
	if code != exitError || !strings.Contains(errOut, "check --token-file") {
		t.Fatalf("wrong token: exit %d, stderr %q", code, errOut)
	}
	// A snapshot cut short is an error, not a truncated dump.
	short := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000000")
		w.Write(make([]byte, 1000))
	}))
	defer short.Close()
	_, errOut, code = dump(t, "--live", short.URL, "agents")
	if code != exitError || !strings.Contains(errOut, "live snapshot") {
		t.Fatalf("short snapshot: exit %d, stderr %q", code, errOut)
	}
}

func TestDumpUsage(t *testing.T) {
	for _, args := range [][]string{
		{"bogus"},
		{"journal", "0x1234"},
		{"agents", "extra"},
		{"--live", "http://x", "--copy", "agents"},
		{"--no-such-flag"},
	} {
		_, errOut, code := dump(t, args...)
		if code != exitUsage || !strings.Contains(errOut, "usage: slotd dump") {
			t.Errorf("%q: exit %d, stderr %q", args, code, errOut)
		}
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"no-such-command"}, &out, &errb); code != exitUsage {
		t.Errorf("unknown command: exit %d", code)
	}
	if code := run(context.Background(), nil, &out, &errb); code != exitUsage {
		t.Errorf("no command: exit %d", code)
	}
	if _, _, code := dump(t, "-h"); code != exitOK {
		t.Errorf("-h: exit %d", code)
	}
}

func TestDumpMissingStore(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope", "slotd.db")
	_, errOut, code := dump(t, "--db", missing)
	if code != exitError || !strings.Contains(errOut, "no store at "+missing) {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	t.Setenv("SLOTD_DATA_DIR", filepath.Dir(missing))
	_, errOut, _ = dump(t)
	if !strings.Contains(errOut, missing) {
		t.Fatalf("default path not from SLOTD_DATA_DIR: %q", errOut)
	}
}

func TestDumpOldSchema(t *testing.T) {
	db := copyFile(t, "../../testdata/persist/v1.db")
	before, _ := os.ReadFile(db)
	out, errOut, code := dump(t, "--db", db, "agents")
	if code != exitOK || !strings.Contains(errOut, "older schema") || !strings.Contains(out, "(3 agents)") {
		t.Fatalf("exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
	if after, _ := os.ReadFile(db); !bytes.Equal(before, after) {
		t.Error("dump changed the old-schema file")
	}
}

func TestDumpDamagedStore(t *testing.T) {
	data, err := os.ReadFile(fixtureDB)
	if err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(t.TempDir(), "truncated.db")
	os.WriteFile(truncated, data[:len(data)/2], 0o600)
	_, errOut, code := dump(t, "--db", truncated, "agents")
	if code != exitError || !strings.Contains(errOut, "corrupt") || !strings.Contains(errOut, truncated) {
		t.Fatalf("truncated: exit %d, stderr %q", code, errOut)
	}

	// Break an invariant behind the store's back: check must say so.
	db := copyFile(t, fixtureDB)
	bdb, err := bolt.Open(db, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = bdb.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("availabilities")).Put([]byte{0, 0, 0, 0, 0, 0, 0, 1},
			[]byte("\x01"+`{"totalSize":100,"freeSize":99,"duration":1,"minPricePerBytePerSecond":"1","maxCollateralPerByte":"1","created":"2026-03-01T12:00:00Z"}`))
	})
	bdb.Close()
	if err != nil {
		t.Fatal(err)
	}
	out, _, code := dump(t, "--db", db, "check")
	if code != exitError || !strings.Contains(out, "FAILED") || !strings.Contains(out, "availability 1") {
		t.Fatalf("check: exit %d:\n%s", code, out)
	}
	out, _, code = dump(t, "--db", db, "--json", "check")
	var res struct {
		Kind     string   `json:"kind"`
		OK       bool     `json:"ok"`
		Problems []string `json:"problems"`
	}
	if code != exitError || json.Unmarshal([]byte(out), &res) != nil || res.OK || res.Kind != "check" || len(res.Problems) == 0 {
		t.Fatalf("check --json: exit %d: %s", code, out)
	}
}

var _ = io.Discard
