package node_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/hashicorp/go-hclog"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/internal/rpcproxy"
	"github.com/slotd/slotd/node"
	"github.com/slotd/slotd/node/datastore"
	"github.com/slotd/slotd/node/devchain"
	"github.com/slotd/slotd/node/keys"
	"github.com/slotd/slotd/persist"
)

func TestConfigValidationSaysWhatToFix(t *testing.T) {
	c := node.Defaults()
	c.Roles = []string{"host", "miner"}
	c.Workers = 0
	c.AlertWebhook = "ftp://x"
	err := c.Validate()
	for _, want := range []string{"--rpc", "--marketplace", "--key", `unknown role "miner"`, "--workers", "--alert-webhook"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("validation error %v does not mention %s", err, want)
		}
	}
}

// devNode starts a dev chain with the contracts deployed and returns a
// client and validator node's config for it, with its account.
func devNode(t *testing.T, ctx context.Context) (*devchain.Chain, node.Config, common.Address, contracts.Deployment) {
	t.Helper()
	key, _ := crypto.GenerateKey()
	addr := crypto.PubkeyToAddress(key.PublicKey)
	chain, err := devchain.Start(devchain.Config{Alloc: map[common.Address]*big.Int{addr: new(big.Int).Lsh(big.NewInt(1), 80)}, Tick: 50 * time.Millisecond, ServeRPC: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { chain.Close() })
	s, _ := contracts.NewKeySender(ctx, chain.Client(), key)
	dep, err := contracts.Deploy(ctx, s, contracts.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte("pw\n"), 0o600)
	_, keyFile, err := keys.Save(filepath.Join(dir, "keystore"), pw, key, keys.Light)
	if err != nil {
		t.Fatal(err)
	}
	cfg := node.Defaults()
	cfg.DataDir, cfg.RPC, cfg.Marketplace = filepath.Join(dir, "data"), chain.WSURL(), dep.Marketplace.Hex()
	cfg.KeyFile, cfg.PasswordFile, cfg.APIAddr = keyFile, pw, "127.0.0.1:0"
	cfg.Roles = []string{node.RoleClient, node.RoleValidator}
	return chain, cfg, addr, dep
}

func TestNodeRunsClientAndValidatorOnDevChain(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, cfg, addr, dep := devNode(t, ctx)
	reward := common.HexToAddress("0x00000000000000000000000000000000000000aa")
	cfg.RewardAddress = reward.Hex()

	n, err := node.Open(ctx, cfg, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if _, err := node.Open(ctx, cfg, hclog.NewNullLogger()); err == nil || !strings.Contains(err.Error(), "running") {
		t.Fatalf("second node on the same data dir: %v", err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- n.Run(runCtx) }()
	// The head reaches the metrics without anyone asking for the status.
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(n.APIURL() + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if m := regexp.MustCompile(`(?m)^slotd_chain_head_block (\d+)`).FindSubmatch(body); m != nil && string(m[1]) != "0" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics never saw the head:\n%s", body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	resp, err := http.Get(n.APIURL() + "/api/v1/status")
	if err != nil {
		t.Fatal(err)
	}
	var st node.Status
	json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if st.Account != addr || st.Marketplace != dep.Marketplace || st.Head == 0 || st.RewardAddress != reward || st.CollateralAddress != addr {
		t.Fatalf("status: %+v", st)
	}
	// The report `slotd status` prints: the token as the contract names it,
	// balances, a healthy RPC and each role's part.
	if st.Token == nil || st.Token.Symbol != "SLOT" || st.Token.Decimals != 18 || st.Balances == nil || st.Balances.Gas.Sign() <= 0 ||
		!st.Chain.RPCOK || st.Chain.PeriodSec == 0 || st.Client == nil || st.Validator == nil || len(st.Errors) != 0 {
		t.Fatalf("status report: %+v", st.Report)
	}
	// A healthy node raises no alert once its one ingestor has caught up
	// with the dev chain (on a loaded machine it may start a few dozen
	// blocks behind, and says so until it catches up).
	var alerts []node.Alert
	for deadline := time.Now().Add(30 * time.Second); ; {
		resp, err = http.Get(n.APIURL() + "/api/v1/alerts")
		if err != nil {
			t.Fatal(err)
		}
		alerts = nil
		err = json.NewDecoder(resp.Body).Decode(&alerts)
		resp.Body.Close()
		// The dev chain here mines far faster than a real one; on a loaded
		// machine the ingestor can trail it by hundreds of blocks, which
		// is a true cursor-lagging alert (its raise and clear are tested
		// in alerts_test.go), not a sign of an unhealthy node.
		alerts = slices.DeleteFunc(alerts, func(a node.Alert) bool { return a.Kind == "cursor-lagging" })
		if err == nil && len(alerts) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("alerts of a healthy node: %v %v", alerts, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// A validator's status says what it watches; the ledger's, what it holds.
	if st.Validator == nil || st.Validator.Watched != 0 || st.Ledger == nil || st.Ledger.Requests == nil {
		t.Fatalf("status without the validator's and the ledger's parts: %+v", st)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
}

// TestOpenWaitsForTheRPC: a node started while its Ethereum node is still
// down (after a power cut both start at once) waits for it, says so once,
// and opens when it comes up; a node told to stop while waiting stops.
func TestOpenWaitsForTheRPC(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	chain, cfg, _, _ := devNode(t, ctx)
	u, _ := url.Parse(chain.WSURL())
	proxy, err := rpcproxy.Start(u.Host, true)
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	cfg.RPC = "ws://" + proxy.Addr()

	stopCtx, stop := context.WithTimeout(ctx, 300*time.Millisecond)
	defer stop()
	if _, err := node.Open(stopCtx, cfg, hclog.NewNullLogger()); err == nil || !strings.Contains(err.Error(), "connect to "+cfg.RPC) {
		t.Fatalf("Open stopped while waiting: %v, want an error naming the RPC", err)
	}

	var logs syncBuffer
	opened := make(chan error, 1)
	var n *node.Node
	go func() {
		var err error
		n, err = node.Open(ctx, cfg, hclog.New(&hclog.LoggerOptions{Output: &logs}))
		opened <- err
	}()
	// Wait until it says it is waiting (loading the key may take a while
	// on a busy machine), then a little longer: it must still be waiting.
	waiting := "connecting to the RPC at " + cfg.RPC + ": failed"
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(logs.String(), waiting); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no warning while the RPC is down:\n%s", logs.String())
		}
	}
	time.Sleep(time.Second)
	select {
	case err := <-opened:
		t.Fatalf("Open returned with the RPC down: %v", err)
	default:
	}
	proxy.SetDown(false)
	if err := <-opened; err != nil {
		t.Fatalf("Open after the RPC came up: %v", err)
	}
	defer n.Close()
	out := logs.String()
	if c := strings.Count(out, "connecting to the RPC at "+cfg.RPC+": failed"); c != 1 {
		t.Errorf("%d warnings while waiting, want 1:\n%s", c, out)
	}
	if !strings.Contains(out, "connecting to the RPC at "+cfg.RPC+": working again") {
		t.Errorf("no line when the RPC came up:\n%s", out)
	}
}

// syncBuffer is a bytes.Buffer a logger may write from another goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestOpenRecordsDatasetsStoredMeanwhile: a dataset written into the data
// directory while the store could not record it (`slotd upload` beside a
// running node says it is "recorded on its next start") is in the store
// once a node has opened it.
func TestOpenRecordsDatasetsStoredMeanwhile(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, cfg, _, _ := devNode(t, ctx)
	data, err := datastore.Open(cfg.DataDir, &datastore.Options{Shared: true}) // no recorder, as beside a node
	if err != nil {
		t.Fatal(err)
	}
	file := bytes.Repeat([]byte("slotd"), 20_000)
	m, err := data.Import(ctx, bytes.NewReader(file), uint64(len(file)), datastore.ImportOptions{Slots: 3, MaxSlotLoss: 1})
	if err != nil {
		t.Fatal(err)
	}

	n, err := node.Open(ctx, cfg, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	n.Close()
	s, err := persist.Open(filepath.Join(cfg.DataDir, "slotd.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.View(func(tx *persist.Tx) error {
		d, err := tx.Dataset(m.CID.Hex())
		if err == nil && (d.Size != uint64(len(file)) || d.Slots != 3) {
			t.Errorf("recorded %+v", d)
		}
		return err
	})
	if err != nil {
		t.Fatalf("dataset %s after the node opened: %v", m.CID.Hex(), err)
	}
}
