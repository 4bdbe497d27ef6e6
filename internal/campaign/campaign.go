// Package campaign runs the real slotd binaries (a client, three hosts and a
// validator, each its own process and store) against anvil for several
// proof periods while a seeded scheduler injects faults, then checks the
// market's promises from the chain and from each stopped store.
package campaign

import (
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
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/internal/rpcproxy"
	"github.com/slotd/slotd/node/keys"
)

// Config is one campaign run.
type Config struct {
	Bin, Anvil string // slotd (built with -race) and anvil
	Dir        string // logs and stores
	Seed       uint64
	Requests   int           // arriving one every Arrival
	Arrival    time.Duration //
	Duration   uint64        // of each request, seconds
	Logf       func(format string, args ...any)
}

// Hosts are the host nodes' names.
var Hosts = []string{"host-1", "host-2", "host-3"}

const (
	period  = 10 // proof period, s
	timeout = 5  // proof timeout, s
	slots   = 3
)

// run is one campaign's live state.
type run struct {
	cfg     Config
	anvil   *exec.Cmd
	url     string
	eth     *ethclient.Client
	dep     contracts.Deployment
	start   uint64 // block
	addr    map[string]common.Address
	procs   map[string]*proc
	proxies map[string]*rpcproxy.JSONRPC
	api     map[string]string
	disks   map[string]*disk
	cids    []string
	reqs    []common.Hash

	clock       chainClock
	lastReorged string            // the event the last reorg dropped
	chainStates map[string]string // request id → state, for the ledger check

	mu     sync.Mutex
	events []applied
}

// applied is a fault as it happened: the state of its targets then.
type applied struct {
	Fault
	when   time.Time
	states map[string]string // target → its agents' states ("down" if it was)
	note   string
}

// Run runs one campaign and returns its result; err is for a harness that
// could not run (anvil would not start), not for a broken invariant.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	r := &run{cfg: cfg, addr: map[string]common.Address{}, procs: map[string]*proc{},
		proxies: map[string]*rpcproxy.JSONRPC{}, api: map[string]string{}, disks: map[string]*disk{}}
	defer r.close()
	if err := r.startChain(ctx); err != nil {
		return nil, err
	}
	if err := r.startNodes(ctx); err != nil {
		return nil, err
	}
	window := time.Duration(cfg.Requests-1)*cfg.Arrival + time.Duration(cfg.Duration)*time.Second
	var arrivals []time.Duration
	for i := range cfg.Requests {
		arrivals = append(arrivals, time.Duration(i)*cfg.Arrival)
	}
	plan := Plan(cfg.Seed, window, Hosts, arrivals)
	cfg.Logf("seed %d: %d faults over %s:\n%s", cfg.Seed, len(plan), window, PlanString(plan))
	t0 := time.Now()
	var wg sync.WaitGroup
	fctx, stopFaults := context.WithCancel(ctx)
	wg.Add(2)
	go func() {
		defer wg.Done()
		r.clock.sample(fctx, r.eth)
	}()
	go func() {
		defer wg.Done()
		r.inject(fctx, t0, plan)
	}()
	reqErr := r.request(ctx, t0)
	if reqErr == nil {
		reqErr = r.awaitSettled(ctx, t0.Add(window+4*time.Minute))
	}
	stopFaults()
	wg.Wait()
	// Every node follows the last fault (a reorg at the very end) before it
	// stops: a store left on an orphan it had no time to see proves nothing.
	time.Sleep(3 * time.Second)
	ups := map[string][]span{}
	for n, p := range r.procs {
		ups[n] = p.stop()
	}
	res := r.check(ctx, t0, ups)
	if reqErr != nil {
		res.Violations = append([]string{"market: " + reqErr.Error()}, res.Violations...)
	}
	res.Seed, res.Plan, res.Dir = cfg.Seed, plan, cfg.Dir
	return res, nil
}

func (r *run) close() {
	for _, p := range r.procs {
		if p.exited != nil {
			p.stop()
		}
	}
	for _, p := range r.proxies {
		p.Close()
	}
	for _, d := range r.disks {
		d.unmount()
	}
	if r.eth != nil {
		r.eth.Close()
	}
	if r.anvil != nil && r.anvil.Process != nil {
		r.anvil.Process.Kill()
		r.anvil.Wait()
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (r *run) startChain(ctx context.Context) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(r.cfg.Dir, "anvil.log"))
	if err != nil {
		return err
	}
	defer f.Close()
	r.anvil = exec.Command(r.cfg.Anvil, "--hardfork", "osaka", "--port", fmt.Sprint(port), "--block-time", "1", "--silent")
	r.anvil.Stdout, r.anvil.Stderr = f, f
	if err := r.anvil.Start(); err != nil {
		return fmt.Errorf("start anvil: %w", err)
	}
	r.url = fmt.Sprintf("ws://127.0.0.1:%d", port)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if c, err := ethclient.DialContext(ctx, r.url); err == nil {
			if _, err = c.BlockNumber(ctx); err == nil {
				r.eth = c
				break
			}
			c.Close()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("anvil did not answer at %s", r.url)
		}
	}
	keyOf := map[string]*ecdsa.PrivateKey{}
	for _, n := range append([]string{"deployer", "client", "validator"}, Hosts...) {
		keyOf[n], _ = crypto.GenerateKey()
		r.addr[n] = crypto.PubkeyToAddress(keyOf[n].PublicKey)
		if err := r.eth.Client().CallContext(ctx, nil, "anvil_setBalance", r.addr[n], hexutil.EncodeBig(new(big.Int).Lsh(big.NewInt(1), 80))); err != nil {
			return fmt.Errorf("fund %s: %w", n, err)
		}
	}
	deployer, err := contracts.NewKeySender(ctx, r.eth, keyOf["deployer"])
	if err != nil {
		return err
	}
	cc := contracts.DefaultConfig()
	cc.Proofs.Period, cc.Proofs.Timeout, cc.Proofs.Downtime = period, timeout, 0
	if r.dep, err = contracts.Deploy(ctx, deployer, cc); err != nil {
		return fmt.Errorf("deploy on anvil: %w", err)
	}
	r.start, _ = r.eth.BlockNumber(ctx)
	for _, n := range append([]string{"client"}, Hosts...) {
		if err := contracts.Mint(ctx, deployer, r.dep.Token, r.addr[n], new(big.Int).Lsh(big.NewInt(1), 60)); err != nil {
			return fmt.Errorf("mint for %s: %w", n, err)
		}
	}
	return r.saveKeys(keyOf)
}

func (r *run) saveKeys(keyOf map[string]*ecdsa.PrivateKey) error {
	pw := filepath.Join(r.cfg.Dir, "password")
	if err := os.WriteFile(pw, []byte("campaign\n"), 0o600); err != nil {
		return err
	}
	for _, n := range append([]string{"client", "validator"}, Hosts...) {
		_, keyFile, err := keys.Save(filepath.Join(r.cfg.Dir, n+"-keystore"), pw, keyOf[n], keys.Light)
		if err != nil {
			return err
		}
		role := strings.TrimRight(n, "-123")
		port, err := freePort()
		if err != nil {
			return err
		}
		r.api[n] = fmt.Sprintf("127.0.0.1:%d", port)
		px, err := rpcproxy.StartJSONRPC(r.url)
		if err != nil {
			return err
		}
		r.proxies[n] = px
		dataDir := filepath.Join(r.cfg.Dir, n)
		if role == "host" {
			r.disks[n] = mountDisk(dataDir, r.cfg.Logf)
		}
		r.procs[n] = &proc{name: n, bin: r.cfg.Bin, log: filepath.Join(r.cfg.Dir, n+".log"), args: []string{"run",
			"--rpc", "ws://" + px.Addr(), "--marketplace", r.dep.Marketplace.Hex(), "--start-block", fmt.Sprint(r.start),
			"--data-dir", dataDir, "--key", keyFile, "--password-file", pw, "--roles", role,
			"--api", r.api[n], "--poll", "200ms", "--log-level", "debug", "--allow-private-providers"}}
	}
	return nil
}

func (r *run) startNodes(ctx context.Context) error {
	for _, p := range r.procs {
		if err := p.supervise(); err != nil {
			return err
		}
	}
	for n := range r.procs {
		if err := r.awaitAPI(ctx, n, time.Minute); err != nil {
			return err
		}
	}
	file := make([]byte, 1<<20)
	for i := range r.cfg.Requests {
		for j := range file {
			file[j] = byte(j*7 + i*13)
		}
		path := filepath.Join(r.cfg.Dir, fmt.Sprintf("file-%d.bin", i))
		if err := os.WriteFile(path, file, 0o600); err != nil {
			return err
		}
		out, err := r.cli(ctx, "client", "upload", path, "--slots", fmt.Sprint(slots), "--max-slot-loss", "1", "--json")
		var m struct {
			CID      string `json:"cid"`
			SlotSize uint64 `json:"slotSize"`
		}
		if err != nil || json.Unmarshal([]byte(out), &m) != nil || m.CID == "" {
			return fmt.Errorf("upload: %v: %s", err, out)
		}
		r.cids = append(r.cids, m.CID)
		if i == 0 {
			// every host has room for a slot of every request
			for _, h := range Hosts {
				if _, err := r.cli(ctx, h, "availability", "add", "--size", fmt.Sprint(uint64(r.cfg.Requests)*m.SlotSize),
					"--duration", "100000", "--min-price", "1", "--max-collateral", "100"); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (r *run) awaitAPI(ctx context.Context, n string, limit time.Duration) error {
	for deadline := time.Now().Add(limit); ; time.Sleep(250 * time.Millisecond) {
		resp, err := http.Get("http://" + r.api[n] + "/api/v1/status")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("%s's API did not answer in %s (see %s)", n, limit, r.procs[n].log)
		}
	}
}

// cli runs a slotd subcommand against node n's API.
func (r *run) cli(ctx context.Context, n string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, r.cfg.Bin, append(args, "--api", "http://"+r.api[n], "--data-dir", filepath.Join(r.cfg.Dir, n))...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("slotd %v on %s: %w: %s", args, n, err, errb.String())
	}
	return out.String(), nil
}

// request creates the requests one every Arrival; the client may be down
// (a fault), so each is retried until it is accepted.
func (r *run) request(ctx context.Context, t0 time.Time) error {
	for i, cid := range r.cids {
		time.Sleep(time.Until(t0.Add(time.Duration(i) * r.cfg.Arrival)))
		var out string
		var err error
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(time.Second) {
			out, err = r.cli(ctx, "client", "request", "--cid", cid, "--duration", fmt.Sprint(r.cfg.Duration),
				"--expiry", "90", "--price", "1", "--collateral", "10", "--json")
			if err == nil || time.Now().After(deadline) {
				break
			}
		}
		var v struct {
			RequestID string `json:"requestId"`
		}
		if err != nil || json.Unmarshal([]byte(out), &v) != nil {
			return fmt.Errorf("request %d: %v: %s", i, err, out)
		}
		r.mu.Lock()
		r.reqs = append(r.reqs, common.HexToHash(v.RequestID))
		r.mu.Unlock()
		r.cfg.Logf("%6.1fs request %d: %s", time.Since(t0).Seconds(), i, v.RequestID)
	}
	return nil
}

// awaitSettled waits until every request has ended and the client's funds
// and every host's payout are collected (or until deadline).
func (r *run) awaitSettled(ctx context.Context, deadline time.Time) error {
	m := r.market()
	for ; ; time.Sleep(2 * time.Second) {
		left, err := m.tokenBalance(ctx, r.dep.Marketplace)
		if err == nil && left.Sign() == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not settled by the deadline: %v tokens left in the Marketplace (%v)", left, err)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}
