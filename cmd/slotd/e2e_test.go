package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/internal/rpcproxy"
	"github.com/slotd/slotd/node/keys"
)

// anvilPath is the anvil binary the npm package @foundry-rs/anvil installs
// (`npm ci` at the repo root).
func anvilPath(t *testing.T) string {
	p, _ := filepath.Abs(filepath.Join("..", "..", "node_modules", "@foundry-rs", "anvil-linux-amd64", "bin", "anvil"))
	if _, err := os.Stat(p); err != nil || runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		if os.Getenv("CI") != "" {
			t.Fatalf("anvil not installed at %s: run npm ci", p)
		}
		t.Skipf("anvil not installed at %s (npm ci installs it)", p)
	}
	return p
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// proc is a child process with its output in a log file.
type proc struct {
	name string
	args []string
	env  []string
	cmd  *exec.Cmd
	log  string

	mu       sync.Mutex
	restarts int
	stopping bool
	killed   bool // by kill9: the failpoint, if any, stays armed
}

func (p *proc) start(t *testing.T, bin string) {
	t.Helper()
	f, err := os.OpenFile(p.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	p.cmd = exec.Command(bin, p.args...)
	p.cmd.Stdout, p.cmd.Stderr = f, f
	p.cmd.Env = append(os.Environ(), p.env...)
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", p.name, err)
	}
	f.Close()
}

func (p *proc) kill() {
	if p.cmd != nil && p.cmd.Process != nil {
		p.cmd.Process.Kill() // SIGKILL: no shutdown path runs
		p.cmd.Wait()
	}
}

// supervise restarts the process whenever it dies (a failpoint or a
// kill -9), without its failpoint, until shutdown is called.
func (p *proc) supervise(t *testing.T, bin string) (shutdown func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			p.mu.Lock()
			cmd := p.cmd
			p.mu.Unlock()
			cmd.Wait()
			p.mu.Lock()
			if p.stopping {
				p.mu.Unlock()
				return
			}
			p.restarts++
			if !p.killed {
				p.env = nil // the failpoint fired: restart without it
			}
			p.killed = false
			p.start(t, bin)
			p.mu.Unlock()
		}
	}()
	return func() {
		p.mu.Lock()
		p.stopping = true
		p.cmd.Process.Kill()
		p.mu.Unlock()
		<-done
	}
}

// kill9 sends SIGKILL; the supervisor restarts the process.
func (p *proc) kill9() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.killed = true
	p.cmd.Process.Kill()
}

func (p *proc) restarted() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.restarts
}

func (p *proc) tail() string {
	b, _ := os.ReadFile(p.log)
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return string(b)
}

func eventually(t *testing.T, what string, limit time.Duration, procs []*proc, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			for _, p := range procs {
				t.Logf("--- %s log tail:\n%s", p.name, p.tail())
			}
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// TestEndToEndOnAnvil runs separate `slotd run` processes for a client, two
// hosts and a validator against anvil; one host is kill -9'd mid-way and
// restarted from its store, and the request still fills, proves and pays out.
func TestEndToEndOnAnvil(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process end-to-end test (about two minutes)")
	}
	anvil := anvilPath(t)
	dir := t.TempDir()
	if keep := os.Getenv("SLOTD_E2E_DIR"); keep != "" {
		dir = keep // keep the logs and stores for a look afterwards
	}
	bin := filepath.Join(dir, "slotd")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build slotd: %v\n%s", err, out)
	}
	port := freePort(t)
	chain := &proc{name: "anvil", log: filepath.Join(dir, "anvil.log"),
		args: []string{"--hardfork", "osaka", "--port", fmt.Sprint(port), "--block-time", "1", "--silent"}}
	chain.start(t, anvil)
	defer chain.kill()
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	url := fmt.Sprintf("ws://127.0.0.1:%d", port)
	var client *ethclient.Client
	eventually(t, "anvil to answer", 30*time.Second, []*proc{chain}, func() bool {
		c, err := ethclient.DialContext(ctx, url)
		if err == nil {
			if _, err = c.BlockNumber(ctx); err == nil {
				client = c
				return true
			}
			c.Close()
		}
		return false
	})
	defer client.Close()

	names := []string{"deployer", "client", "host-1", "host-2", "validator"}
	keyOf := map[string]*ecdsa.PrivateKey{}
	for _, n := range names {
		keyOf[n], _ = crypto.GenerateKey()
		addr := crypto.PubkeyToAddress(keyOf[n].PublicKey)
		if err := client.Client().CallContext(ctx, nil, "anvil_setBalance", addr, hexutil.EncodeBig(new(big.Int).Lsh(big.NewInt(1), 80))); err != nil {
			t.Fatalf("fund %s: %v", n, err)
		}
	}
	deployer, err := contracts.NewKeySender(ctx, client, keyOf["deployer"])
	if err != nil {
		t.Fatal(err)
	}
	cfg := contracts.DefaultConfig()
	cfg.Proofs.Period, cfg.Proofs.Timeout, cfg.Proofs.Downtime = 10, 5, 0
	dep, err := contracts.Deploy(ctx, deployer, cfg)
	if err != nil {
		t.Fatalf("deploy on anvil: %v", err)
	}
	startBlock, _ := client.BlockNumber(ctx)
	market := contracts.NewEthMarket(client, deployer, dep.Marketplace)
	for _, n := range []string{"client", "host-1", "host-2"} {
		if err := contracts.Mint(ctx, deployer, dep.Token, crypto.PubkeyToAddress(keyOf[n].PublicKey), new(big.Int).Lsh(big.NewInt(1), 60)); err != nil {
			t.Fatal(err)
		}
	}

	// host-1 dies right after committing Filling (before its fill is sent);
	// host-2 right after committing Payout (before it collects). Each is
	// restarted from its store without the failpoint.
	failpoints := map[string][]string{"host-1": {"SLOTD_CRASH_AFTER=filling"}, "host-2": {"SLOTD_CRASH_AFTER=payout"}}
	// host-1 reaches anvil through a proxy that the test cuts for a while
	// during proving: an RPC outage.
	proxy, err := rpcproxy.Start(fmt.Sprintf("127.0.0.1:%d", port), false)
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	rpcOf := map[string]string{"host-1": "ws://" + proxy.Addr()}
	pw := filepath.Join(dir, "password")
	os.WriteFile(pw, []byte("e2e\n"), 0o600)
	procs := map[string]*proc{}
	apiOf := map[string]string{}
	for _, n := range names[1:] {
		_, keyFile, err := keys.Save(filepath.Join(dir, n+"-keystore"), pw, keyOf[n], keys.Light)
		if err != nil {
			t.Fatal(err)
		}
		role := strings.TrimRight(n, "-12")
		apiOf[n] = fmt.Sprintf("127.0.0.1:%d", freePort(t))
		rpc := url
		if r, ok := rpcOf[n]; ok {
			rpc = r
		}
		procs[n] = &proc{name: n, log: filepath.Join(dir, n+".log"), args: []string{"run",
			"--rpc", rpc, "--marketplace", dep.Marketplace.Hex(), "--start-block", fmt.Sprint(startBlock),
			"--data-dir", filepath.Join(dir, n), "--key", keyFile, "--password-file", pw, "--roles", role,
			"--api", apiOf[n], "--poll", "200ms", "--log-level", "debug", "--allow-private-providers"}}
		procs[n].env = failpoints[n]
		if strings.HasPrefix(n, "host") {
			// Two hosts for three slots: one must hold two of the request.
			procs[n].env = append(procs[n].env, "SLOTD_MAX_SLOTS_PER_REQUEST=2")
		}
		procs[n].start(t, bin)
		if strings.HasPrefix(n, "host") {
			defer procs[n].supervise(t, bin)()
		} else {
			defer procs[n].kill()
		}
	}
	all := []*proc{chain, procs["client"], procs["host-1"], procs["host-2"], procs["validator"]}
	for n, api := range apiOf {
		eventually(t, n+"'s API", 60*time.Second, all, func() bool {
			resp, err := http.Get("http://" + api + "/api/v1/status")
			if err == nil {
				resp.Body.Close()
			}
			return err == nil && resp.StatusCode == 200
		})
	}
	cli := func(n string, args ...string) string {
		var out, errb bytes.Buffer
		code := run(ctx, append(args, "--api", "http://"+apiOf[n], "--data-dir", filepath.Join(dir, n)), &out, &errb)
		if code != 0 {
			t.Fatalf("slotd %v on %s: exit %d: %s", args, n, code, errb.String())
		}
		return out.String()
	}

	file := make([]byte, 1<<20)
	for i := range file {
		file[i] = byte(i * 7)
	}
	filePath := filepath.Join(dir, "sample.bin")
	os.WriteFile(filePath, file, 0o600)
	var m struct {
		CID      string `json:"cid"`
		SlotSize uint64 `json:"slotSize"`
	}
	if err := json.Unmarshal([]byte(cli("client", "upload", filePath, "--slots", "3", "--max-slot-loss", "1", "--json")), &m); err != nil || m.CID == "" {
		t.Fatalf("upload: %v", err)
	}
	// host-1 has room for one slot, host-2 for two: each must hold its share.
	for h, n := range map[string]uint64{"host-1": 1, "host-2": 2} {
		cli(h, "availability", "add", "--size", fmt.Sprint(n*m.SlotSize), "--duration", "100000", "--min-price", "1", "--max-collateral", "100")
	}
	out := cli("client", "request", "--cid", m.CID, "--duration", "150", "--expiry", "90", "--price", "1", "--collateral", "10", "--json")
	var r struct {
		RequestID string `json:"requestId"`
	}
	json.Unmarshal([]byte(out), &r)
	id := common.HexToHash(r.RequestID)

	eventually(t, "the request to start", 120*time.Second, all, func() bool {
		s, _ := market.RequestState(ctx, contracts.RequestID(id))
		return s == contracts.RequestStateStarted
	})
	// host-1's status screen shows its slot held, with money in tokens.
	var hostStatus string
	eventually(t, "host-1's status to show its held slot", 30*time.Second, all, func() bool {
		hostStatus = cli("host-1", "status")
		return regexp.MustCompile(`(?m)^  held: +1$`).MatchString(hostStatus)
	})
	if !regexp.MustCompile(`collateral locked: +0\.\d+ SLOT|collateral locked: +<0\.0001 SLOT`).MatchString(hostStatus) || strings.Contains(hostStatus, "Not read") {
		t.Fatalf("host-1 status:\n%s", hostStatus)
	}
	t.Logf("host-1 status:\n%s", hostStatus)
	// kill -9 host-2 mid-way, while it proves; its supervisor restarts it.
	time.Sleep(5 * time.Second)
	procs["host-2"].kill9()
	// Then cut host-1 off its RPC for 4 s, shorter than a period (10 s):
	// it must reconnect by itself and miss no proof.
	time.Sleep(3 * time.Second)
	proxy.SetDown(true)
	time.Sleep(4 * time.Second)
	proxy.SetDown(false)
	back, _ := client.BlockNumber(ctx)

	end, _ := market.RequestEnd(ctx, contracts.RequestID(id))
	eventually(t, "every slot paid", 4*time.Minute, all, func() bool {
		for i := range uint64(3) {
			if s, _ := market.SlotState(ctx, contracts.GetSlotID(contracts.RequestID(id), i)); s != contracts.SlotStatePaid {
				return false
			}
		}
		return true
	})
	eventually(t, "the client to withdraw", 30*time.Second, all, func() bool {
		return strings.Contains(cli("client", "purchases", "--json"), `"withdrawn": true`)
	})
	head, _ := client.BlockNumber(ctx)
	fills, proofs, host1After := 0, 0, 0
	host1 := crypto.PubkeyToAddress(keyOf["host-1"].PublicKey)
	hostOf := map[contracts.SlotID]common.Address{}
	market.PastEvents(ctx, startBlock, head, func(_ uint64, evs []contracts.Event) error {
		for _, ev := range evs {
			switch ev := ev.(type) {
			case *contracts.SlotFilled:
				fills++
				tx, _, err := client.TransactionByHash(ctx, ev.TxHash)
				if err == nil {
					from, _ := types.Sender(types.LatestSignerForChainID(tx.ChainId()), tx)
					hostOf[contracts.GetSlotID(ev.RequestID, ev.SlotIndex)] = from
				}
			case *contracts.ProofSubmitted:
				proofs++
				if hostOf[ev.SlotID] == host1 && ev.Block > back {
					host1After++
				}
			}
		}
		return nil
	})
	if fills != 3 || proofs == 0 {
		t.Fatalf("%d fills (want 3), %d proofs", fills, proofs)
	}
	if host1After == 0 {
		t.Fatalf("host-1 submitted no proof after its RPC outage ended at block %d", back)
	}
	if left, _ := market.TokenBalance(ctx, dep.Marketplace); left.Sign() != 0 {
		t.Fatalf("%s tokens left in the Marketplace", left)
	}
	for i := range uint64(3) {
		if n, _ := market.MissingProofs(ctx, contracts.GetSlotID(contracts.RequestID(id), i)); n != 0 {
			t.Errorf("slot %d: %d proofs marked missing", i, n)
		}
	}
	r1, r2 := procs["host-1"].restarted(), procs["host-2"].restarted()
	if r1 < 1 || r2 < 2 {
		t.Fatalf("restarts: host-1 %d (want the filling failpoint), host-2 %d (want kill -9 and the payout failpoint)", r1, r2)
	}
	t.Logf("request ended at %d: 3 fills, %d proofs (host-1 %d after its RPC outage), no missed proof; restarts host-1 %d, host-2 %d", end, proofs, host1After, r1, r2)
}
