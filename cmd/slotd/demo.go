package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/node"
	"github.com/slotd/slotd/node/devchain"
	"github.com/slotd/slotd/node/keys"
)

func init() {
	register(&command{name: "demo", summary: "run the whole market in one process on an embedded chain and summarize it", run: runDemo})
}

// demoOffer is each host's availability: room for one 1.5 MiB slot of the
// demo's file and not two, so no host holds two slots of the request and
// stopping the holder of slot 0 loses that slot alone (maxSlotLoss 1).
const demoOffer = 2 << 20

// demoNode is one participant: its key, its data dir and, while it runs,
// its node.
type demoNode struct {
	name, role string
	key        *ecdsa.PrivateKey
	dir        string
	node       *node.Node
	stop       context.CancelFunc
	done       chan error
	before     *big.Int
}

func (d *demoNode) addr() common.Address { return crypto.PubkeyToAddress(d.key.PublicKey) }

type demo struct {
	out      io.Writer
	dir      string
	chain    *devchain.Chain
	dep      contracts.Deployment
	start    uint64
	pwFile   string
	market   *contracts.EthMarket // read-only view for progress
	nodes    []*demoNode
	logFile  *os.File
	lastSeen uint64
	slotHost map[contracts.SlotID]string
	proofs   map[string]int

	// What the timeline shows: times are chain seconds since the request
	// was made (reqTime, 0 before); proofs are summed up per period.
	reqTime    uint64
	periodSec  uint64
	request    contracts.RequestID
	period     uint64         // the period pending proofs belong to
	pending    map[string]int // proofs by host in that period
	missed     map[contracts.SlotID]uint64
	slashed    map[string]uint64 // slashes by host, counted as the marks happen
	freed      map[contracts.SlotID]bool
	paid       map[contracts.SlotID]bool
	clientHeld *big.Int // the client's balance once its deposit is paid
}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	setUsage(fs, stderr, "demo [flags]", "Runs a client, three hosts and a validator in one process on an embedded chain:\nupload, fill, prove, a slash, repair and payouts, and summarizes what happened.")
	keep := fs.String("keep", "", "keep the nodes' stores in this directory (for 'slotd dump')")
	tick := fs.Duration("tick", 100*time.Millisecond, "real time per block (each block is one chain second)")
	if _, err := parseArgs(fs, args); err != nil {
		return flagExit(err)
	}
	if *tick < minTick || *tick > maxTick {
		fmt.Fprintf(stderr, "slotd demo: --tick must be between %s and %s (got %s)\n", minTick, maxTick, *tick)
		return exitUsage
	}
	dir := *keep
	if dir == "" {
		tmp, err := os.MkdirTemp("", "slotd-demo-")
		if err != nil {
			fmt.Fprintln(stderr, "slotd demo:", err)
			return exitError
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	d := &demo{out: stdout, dir: dir, slotHost: map[contracts.SlotID]string{}, proofs: map[string]int{},
		pending: map[string]int{}, missed: map[contracts.SlotID]uint64{}, slashed: map[string]uint64{}, freed: map[contracts.SlotID]bool{}, paid: map[contracts.SlotID]bool{}, periodSec: devMarketConfig().Proofs.Period}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	err := d.run(ctx, *tick)
	d.shutdown()
	if err != nil {
		fmt.Fprintln(stderr, "slotd demo: FAILED:", err)
		fmt.Fprintf(stderr, "node logs: %s\n", filepath.Join(dir, "demo.log"))
		return exitError
	}
	if *keep != "" {
		fmt.Fprintf(stdout, "\nstores kept in %s (try: slotd dump --db %s/host-1/data/slotd.db agents)\n", dir, dir)
	}
	return exitOK
}

// say prints a line of the timeline at the chain's current time.
func (d *demo) say(format string, args ...any) {
	var now uint64
	if d.chain != nil {
		if h, err := d.chain.Client().HeaderByNumber(context.Background(), nil); err == nil {
			now = h.Time
		}
	}
	d.sayAt(now, format, args...)
}

// sayAt prints a line stamped with chain time t as seconds since the
// request was made ("setup" before it).
func (d *demo) sayAt(t uint64, format string, args ...any) {
	stamp := "setup "
	if d.reqTime != 0 {
		stamp = fmt.Sprintf("t+%4ds", int64(t)-int64(d.reqTime))
	}
	fmt.Fprintf(d.out, "%s  "+format+"\n", append([]any{stamp}, args...)...)
}

// blockTime is a block's timestamp (0 if it cannot be read).
func (d *demo) blockTime(ctx context.Context, n uint64) uint64 {
	h, err := d.chain.Client().HeaderByNumber(ctx, new(big.Int).SetUint64(n))
	if err != nil {
		return 0
	}
	return h.Time
}

func (d *demo) run(ctx context.Context, tick time.Duration) error {
	if err := os.MkdirAll(d.dir, 0o700); err != nil {
		return err
	}
	var err error
	if d.logFile, err = os.Create(filepath.Join(d.dir, "demo.log")); err != nil {
		return err
	}
	if err := d.boot(ctx, tick); err != nil {
		return err
	}
	client, hosts := d.nodes[0], d.nodes[1:4]
	for _, n := range d.nodes {
		if err := d.startNode(ctx, n); err != nil {
			return err
		}
	}
	for _, h := range hosts {
		if err := d.api(h, "POST", "/api/v1/availabilities", map[string]any{"totalSize": demoOffer, "duration": 100000,
			"minPricePerBytePerSecond": "1", "maxCollateralPerByte": new(big.Int).Mul(demoCollateral, big.NewInt(10)).String()}, nil); err != nil {
			return fmt.Errorf("%s: add availability: %w", h.name, err)
		}
	}
	d.say("3 hosts offer 2 MiB each (room for one slot: each holds one, so stopping one loses one); the validator watches")
	id, err := d.uploadAndRequest(ctx, client)
	if err != nil {
		return err
	}
	if err := d.follow(ctx, "every slot filled", func(ctx context.Context) (bool, error) {
		s, err := d.market.RequestState(ctx, id)
		return s == contracts.RequestStateStarted, err
	}); err != nil {
		return err
	}
	if d.clientHeld, err = d.market.TokenBalance(ctx, client.addr()); err != nil {
		return err
	}
	if err := d.follow(ctx, "proofs from every host", func(context.Context) (bool, error) { return len(d.proofs) >= 2, nil }); err != nil {
		return err
	}
	slot0 := contracts.GetSlotID(id, 0)
	victim := d.byName(d.slotHost[slot0])
	d.say("stopping %s (it holds slot 0) mid-request: its proofs will be missed, marked and slashed", victim.name)
	d.stopNode(victim)
	if err := d.follow(ctx, "the contract to free slot 0 after its slashes", func(context.Context) (bool, error) {
		return d.freed[slot0], nil // seen as a SlotFreed event: the repair may refill it before a state read
	}); err != nil {
		return err
	}
	d.say("restarting %s from its store", victim.name)
	if err := d.startNode(ctx, victim); err != nil {
		return err
	}
	if err := d.follow(ctx, "slot 0 repaired and filled again", func(ctx context.Context) (bool, error) {
		st, err := d.market.SlotState(ctx, slot0)
		return st == contracts.SlotStateFilled || st == contracts.SlotStatePaid, err
	}); err != nil {
		return err
	}
	end, err := d.market.RequestEnd(ctx, id)
	if err != nil {
		return err
	}
	d.say("request runs until chain time %d; waiting for the end and the payouts", end)
	if err := d.follow(ctx, "every slot paid and the client refunded", func(ctx context.Context) (bool, error) {
		return d.settled(ctx, id, client)
	}); err != nil {
		return err
	}
	d.flushProofs(^uint64(0))
	return d.summary(ctx, id)
}

// boot starts the chain, deploys, funds and keys every participant.
func (d *demo) boot(ctx context.Context, tick time.Duration) error {
	d.nodes = []*demoNode{{name: "client", role: node.RoleClient}, {name: "host-1", role: node.RoleHost},
		{name: "host-2", role: node.RoleHost}, {name: "host-3", role: node.RoleHost}, {name: "validator", role: node.RoleValidator}}
	var addrs []common.Address
	for i, n := range d.nodes {
		var err error
		if n.key, err = devKey(uint32(i + 1)); err != nil { // the devnet's accounts, in its order
			return err
		}
		n.dir = filepath.Join(d.dir, n.name)
		addrs = append(addrs, n.addr())
	}
	deployer, err := devKey(0)
	if err != nil {
		return err
	}
	m, err := bootDevChain(ctx, devchain.Config{Tick: tick, ServeRPC: true}, deployer, addrs)
	if err != nil {
		return err
	}
	d.chain, d.dep, d.start = m.chain, m.dep, m.start
	s := m.deployer
	d.market = contracts.NewEthMarket(d.chain.Client(), s, d.dep.Marketplace)
	d.say("dev chain up (%s per block, Osaka rules); Marketplace %s, token %s", tick, d.dep.Marketplace, d.dep.Token)
	d.pwFile = filepath.Join(d.dir, "password")
	if err := os.WriteFile(d.pwFile, []byte("slotd-demo\n"), 0o600); err != nil {
		return err
	}
	for _, n := range d.nodes {
		if n.role != node.RoleValidator {
			if err := contracts.Mint(ctx, s, d.dep.Token, n.addr(), new(big.Int).Lsh(big.NewInt(1), 60)); err != nil {
				return err
			}
		}
		if n.before, err = d.market.TokenBalance(ctx, n.addr()); err != nil {
			return err
		}
	}
	return nil
}

func (d *demo) byName(name string) *demoNode {
	for _, n := range d.nodes {
		if n.name == name {
			return n
		}
	}
	return d.nodes[1]
}

func (d *demo) startNode(ctx context.Context, n *demoNode) error {
	keyFile := filepath.Join(n.dir, "key.json")
	if _, err := os.Stat(keyFile); err != nil {
		if err := os.MkdirAll(n.dir, 0o700); err != nil {
			return err
		}
		_, file, err := keys.Save(filepath.Join(n.dir, "keystore"), d.pwFile, n.key, keys.Light)
		if err != nil {
			return err
		}
		if err := os.Rename(file, keyFile); err != nil {
			return err
		}
	}
	cfg := node.Defaults()
	cfg.DataDir, cfg.RPC, cfg.Marketplace, cfg.StartBlock = filepath.Join(n.dir, "data"), d.chain.WSURL(), d.dep.Marketplace.Hex(), d.start
	cfg.KeyFile, cfg.PasswordFile, cfg.APIAddr, cfg.Roles = keyFile, d.pwFile, "127.0.0.1:0", []string{n.role}
	cfg.Poll, cfg.Workers = 200*time.Millisecond, 2
	cfg.AllowPrivateProviders = true // every demo node serves on 127.0.0.1
	log := newLogger(n.name, "info", d.logFile)
	nd, err := node.Open(ctx, cfg, log)
	if err != nil {
		return fmt.Errorf("%s: %w", n.name, err)
	}
	nctx, stop := context.WithCancel(ctx)
	n.node, n.stop, n.done = nd, stop, make(chan error, 1)
	go func() { n.done <- nd.Run(nctx) }()
	d.say("%-9s %s  up, API %s", n.name, n.addr().Hex()[:10], nd.APIURL())
	return nil
}

func (d *demo) stopNode(n *demoNode) {
	if n.node == nil {
		return
	}
	n.stop()
	<-n.done
	n.node.Close()
	n.node = nil
}

func (d *demo) shutdown() {
	for _, n := range d.nodes {
		d.stopNode(n)
	}
	if d.chain != nil {
		d.chain.Close()
	}
	if d.logFile != nil {
		d.logFile.Close()
	}
}

// api calls a node's REST API with its token; body is JSON.
func (d *demo) api(n *demoNode, method, path string, body, out any) error {
	return d.client(n).call(method, path, body, out)
}

func (d *demo) client(n *demoNode) *apiClient {
	return newAPIClient(n.node.APIURL(), filepath.Join(n.dir, "data"), "", io.Discard)
}

func (d *demo) uploadAndRequest(ctx context.Context, client *demoNode) (contracts.RequestID, error) {
	file := make([]byte, 3<<20)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range file {
		file[i] = byte(r.Uint32())
	}
	var m struct {
		CID      string `json:"cid"`
		SlotSize uint64 `json:"slotSize"`
	}
	data, err := d.client(client).send("POST", "/api/v1/datasets?slots=3&maxSlotLoss=1&name=sample.bin", bytes.NewReader(file), int64(len(file)))
	if err == nil {
		err = json.Unmarshal(data, &m)
	}
	if err != nil {
		return contracts.RequestID{}, fmt.Errorf("upload: %w", err)
	}
	d.say("client uploaded a 3 MiB file: 3 slots of %d bytes (any 2 rebuild it), dataset %s", m.SlotSize, m.CID[:18])
	var res struct {
		RequestID string `json:"requestId"`
	}
	if h, err := d.chain.Client().HeaderByNumber(ctx, nil); err == nil {
		d.reqTime = h.Time
	}
	err = d.api(client, "POST", "/api/v1/purchases", map[string]any{"cid": m.CID, "duration": 400, "expiry": 200,
		"proofProbability": "1", "pricePerBytePerSecond": demoPrice.String(), "collateralPerByte": demoCollateral.String()}, &res)
	if err != nil {
		return contracts.RequestID{}, fmt.Errorf("request storage: %w", err)
	}
	d.request = contracts.RequestID(common.HexToHash(res.RequestID))
	deposit := new(big.Int).Mul(demoPrice, big.NewInt(int64(3*m.SlotSize*400)))
	d.say("client requested storage for 400 chain seconds: request %s, %s deposited", res.RequestID[:18], devToken.Short(deposit))
	return d.request, nil
}

// The demo's terms: per byte per second, and collateral per byte, in
// token base units; large enough that the amounts read as money.
var (
	demoPrice      = big.NewInt(1e8)
	demoCollateral = big.NewInt(1e10)
)

// follow prints chain events as they come until done says so.
func (d *demo) follow(ctx context.Context, what string, done func(context.Context) (bool, error)) error {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		d.printEvents(ctx)
		ok, err := done(ctx)
		if err == nil && ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("gave up waiting for %s: %w", what, ctx.Err())
		case <-t.C:
		}
	}
}

func (d *demo) hostName(addr common.Address) string {
	for _, n := range d.nodes {
		if n.addr() == addr {
			return n.name
		}
	}
	return addr.Hex()[:10]
}

func (d *demo) printEvents(ctx context.Context) {
	head, err := d.chain.Client().BlockNumber(ctx)
	if err != nil || head <= d.lastSeen {
		return
	}
	from := max(d.lastSeen+1, d.start)
	d.market.PastEvents(ctx, from, head, func(_ uint64, evs []contracts.Event) error {
		for _, ev := range evs {
			d.describe(ctx, ev)
		}
		return nil
	})
	d.lastSeen = head
	now := d.blockTime(ctx, head)
	if d.periodSec > 0 {
		d.flushProofs(now / d.periodSec)
	}
	if d.request != (contracts.RequestID{}) {
		d.marksAndPayouts(ctx, now)
	}
}

// flushProofs prints the proofs of periods before current, one line a
// period.
func (d *demo) flushProofs(current uint64) {
	if len(d.pending) == 0 || d.period >= current {
		return
	}
	var parts []string
	total := 0
	for _, n := range d.nodes {
		if c := d.pending[n.name]; c > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", n.name, c))
			total += c
		}
	}
	first := d.reqTime / max(d.periodSec, 1)
	d.sayAt((d.period+1)*d.periodSec, "period %d of the request: %d proofs (%s)", d.period-first, total, strings.Join(parts, ", "))
	clear(d.pending)
}

// marksAndPayouts prints the validator's marks (the contract emits no
// event for them) with what each slash cost, and each slot's payout as
// its host's journal records it, then the client's withdrawal.
func (d *demo) marksAndPayouts(ctx context.Context, now uint64) {
	cfg := devMarketConfig().Collateral
	for i := range uint64(3) {
		slot := contracts.GetSlotID(d.request, i)
		n, err := d.market.MissingProofs(ctx, slot)
		if err == nil && n > d.missed[slot] {
			slash, reward := d.slashAmounts(ctx)
			left := "the slot is taken from it"
			if info, err := d.market.GetSlot(ctx, slot); err == nil && info.Host != (common.Address{}) {
				left = "collateral left " + devToken.Short(info.Collateral)
			}
			d.sayAt(now, "validator marked a proof of slot %d missing (%d of %d): %s slashed %s, %s; validator rewarded %s",
				i, n, cfg.MaxNumberOfSlashes, d.slotHost[slot], devToken.Short(slash), left, devToken.Short(reward))
			d.slashed[d.slotHost[slot]] += n - d.missed[slot]
			d.missed[slot] = n
		}
		if st, err := d.market.SlotState(ctx, slot); err == nil && st == contracts.SlotStatePaid && !d.paid[slot] {
			if detail, ok := d.payoutDetail(slot); ok {
				d.paid[slot] = true
				d.sayAt(now, "slot %d paid out to %s: %s", i, d.slotHost[slot], detail)
			}
		}
	}
}

// slashAmounts is what one slash takes from the host and what of it the
// validator gets.
func (d *demo) slashAmounts(ctx context.Context) (slash, reward *big.Int) {
	cfg := devMarketConfig().Collateral
	slash = new(big.Int)
	if r, err := d.market.GetRequest(ctx, d.request); err == nil {
		slash.Mul(demoCollateral, new(big.Int).SetUint64(r.Ask.SlotSize))
		slash.Mul(slash, big.NewInt(int64(cfg.SlashPercentage))).Div(slash, big.NewInt(100))
	}
	reward = new(big.Int).Mul(slash, big.NewInt(int64(cfg.ValidatorRewardPercentage)))
	return slash, reward.Div(reward, big.NewInt(100))
}

// payoutDetail is what the host's journal says its payout brought; false
// until the host has journaled it (the chain says Paid a moment sooner).
func (d *demo) payoutDetail(slot contracts.SlotID) (string, bool) {
	h := d.byName(d.slotHost[slot])
	if h.node == nil {
		return "(host down)", true
	}
	var doc saleDoc
	if err := d.api(h, "GET", "/api/v1/sales/"+slot.Hex(), nil, &doc); err != nil {
		return "", false
	}
	for i := len(doc.Journal) - 1; i >= 0; i-- {
		if e := doc.Journal[i]; e.From == "payout" {
			return e.Detail, true
		}
	}
	return "", false
}

func (d *demo) describe(ctx context.Context, ev contracts.Event) {
	switch e := ev.(type) {
	case *contracts.SlotFilled:
		host, _ := d.market.GetHost(ctx, contracts.GetSlotID(e.RequestID, e.SlotIndex))
		slot := contracts.GetSlotID(e.RequestID, e.SlotIndex)
		what := "filled"
		if _, before := d.slotHost[slot]; before {
			what = "repaired (rebuilt from the other slots) and filled again"
		}
		d.slotHost[slot] = d.hostName(host)
		collateral := new(big.Int)
		if info, err := d.market.GetSlot(ctx, slot); err == nil && info.Collateral != nil {
			collateral = info.Collateral
		}
		d.sayAt(d.blockTime(ctx, e.Block), "slot %d %s by %s, %s collateral locked (block %d)", e.SlotIndex, what, d.hostName(host), devToken.Short(collateral), e.Block)
	case *contracts.SlotFreed:
		slot := contracts.GetSlotID(e.RequestID, e.SlotIndex)
		d.freed[slot] = true
		// The mark that frees the slot resets its count before a read sees it.
		if most, h := uint64(devMarketConfig().Collateral.MaxNumberOfSlashes), d.slotHost[slot]; d.slashed[h] < most && d.request == e.RequestID {
			slash, reward := d.slashAmounts(ctx)
			d.sayAt(d.blockTime(ctx, e.Block), "validator marked a proof of slot %d missing (%d of %d): %s slashed %s; validator rewarded %s",
				e.SlotIndex, most, most, h, devToken.Short(slash), devToken.Short(reward))
			d.slashed[h] = most
		}
		d.sayAt(d.blockTime(ctx, e.Block), "slot %d freed from %s: its earnings and the collateral left go to the client (block %d)", e.SlotIndex, d.slotHost[contracts.GetSlotID(e.RequestID, e.SlotIndex)], e.Block)
	case *contracts.RequestFulfilled:
		d.sayAt(d.blockTime(ctx, e.Block), "request started: every slot is filled")
	case *contracts.ProofSubmitted:
		name := d.slotHost[e.SlotID]
		d.proofs[name]++
		if d.periodSec > 0 {
			p := d.blockTime(ctx, e.Block) / d.periodSec
			d.flushProofs(p)
			d.period = p
		}
		d.pending[name]++
	case *contracts.RequestFailed:
		d.sayAt(d.blockTime(ctx, e.Block), "request FAILED")
	}
}

func (d *demo) settled(ctx context.Context, id contracts.RequestID, client *demoNode) (bool, error) {
	for i := range uint64(3) {
		s, err := d.market.SlotState(ctx, contracts.GetSlotID(id, i))
		if err != nil || s != contracts.SlotStatePaid {
			return false, err
		}
		if !d.paid[contracts.GetSlotID(id, i)] {
			return false, nil // its payout line is not printed yet: wait for the host's journal
		}
	}
	var ps []struct {
		Withdrawn bool   `json:"withdrawn"`
		State     string `json:"state"`
	}
	if err := d.api(client, "GET", "/api/v1/purchases", nil, &ps); err != nil {
		return false, err
	}
	if len(ps) != 1 || !ps[0].Withdrawn {
		return false, nil
	}
	if after, err := d.market.TokenBalance(ctx, client.addr()); err == nil && d.clientHeld != nil {
		d.say("client withdrew %s: the deposit hosts did not earn, and what the slashes and the freed slot forfeited",
			devToken.Short(new(big.Int).Sub(after, d.clientHeld)))
	}
	return true, nil
}

func (d *demo) summary(ctx context.Context, id contracts.RequestID) error {
	slashes := d.slashed
	state, _ := d.market.RequestState(ctx, id)
	fmt.Fprintf(d.out, "\nrequest %s: %s\n\n", id.Hex()[:18], state)
	tw := tabwriter.NewWriter(d.out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "participant\taddress\ttokens before\ttokens after\tchange\tproofs\tslashes\t")
	var problems []string
	for _, n := range d.nodes {
		after, err := d.market.TokenBalance(ctx, n.addr())
		if err != nil {
			return err
		}
		change := new(big.Int).Sub(after, n.before)
		sign := ""
		if change.Sign() > 0 {
			sign = "+"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t\n", n.name, n.addr().Hex()[:10], devToken.Short(n.before), devToken.Short(after), sign+devToken.Short(change), d.proofs[n.name], slashes[n.name])
		if n.role == node.RoleValidator && change.Sign() <= 0 {
			problems = append(problems, "the validator earned nothing")
		}
		if n.role == node.RoleClient && change.Sign() >= 0 {
			problems = append(problems, "the client paid nothing")
		}
	}
	tw.Flush()
	if state != contracts.RequestStateFinished {
		problems = append(problems, "request is "+state.String()+", not Finished")
	}
	if market, _ := d.market.TokenBalance(ctx, d.dep.Marketplace); market.Sign() != 0 {
		problems = append(problems, fmt.Sprintf("%s tokens left in the Marketplace", market))
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	fmt.Fprintln(d.out, "\nthe market behaved: every slot filled, proven and paid; the missed proofs were slashed and the slot repaired; nothing left in the contract")
	return nil
}
