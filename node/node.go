package node

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/hashicorp/go-hclog"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/node/api"
	"github.com/slotd/slotd/node/chain"
	"github.com/slotd/slotd/node/datastore"
	"github.com/slotd/slotd/node/keys"
	"github.com/slotd/slotd/node/ledger"
	"github.com/slotd/slotd/node/metrics"
	"github.com/slotd/slotd/node/purchasing"
	"github.com/slotd/slotd/node/sales"
	"github.com/slotd/slotd/node/transfer"
	"github.com/slotd/slotd/node/txmgr"
	"github.com/slotd/slotd/node/validator"
	"github.com/slotd/slotd/persist"
)

// Role is a long-running part of the node; Run returns when ctx ends.
type Role interface {
	Run(ctx context.Context) error
}

// Node is one slotd process. Open it, Run it, and Close it.
type Node struct {
	cfg     Config
	log     hclog.Logger
	store   *persist.Store
	data    *datastore.Store
	eth     *ethclient.Client
	tx      *txmgr.Manager
	market  *contracts.EthMarket
	metrics *metrics.Metrics
	api     *http.Server
	ln      net.Listener
	roles   map[string]Role
	client  *purchasing.Purchasing
	valid   *validator.Validator
	sales   *sales.Sales
	ingest  *chain.Ingestor // the one chain follower; nil without a role that follows the chain
	rep     reporter        // caches for the status report
}

// Open validates cfg and opens everything the node needs, in an order that
// fails fast: the store's lock first (a second node on the same data dir
// stops here), then the key, the chain and the API's port.
func Open(ctx context.Context, cfg Config, log hclog.Logger) (_ *Node, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	hide := newRedactor(cfg.RPC)
	log = redactLogs(log, cfg.RPC)
	n := &Node{cfg: cfg, log: log, roles: map[string]Role{}}
	defer func() {
		if err != nil {
			n.Close()
			err = hide.err(err)
		}
	}()
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	if n.store, err = persist.Open(filepath.Join(cfg.DataDir, "slotd.db"), nil); err != nil {
		return nil, err
	}
	// Datasets and hosted slots live beside the store, where `slotd upload
	// --data-dir` and `slotd download` look for them.
	if n.data, err = datastore.Open(cfg.DataDir, &datastore.Options{Recorder: datastore.PersistRecorder{Store: n.store}}); err != nil {
		return nil, err
	}
	// `slotd upload` beside a running node, or a crash between storing and
	// recording, leaves datasets on disk the store does not list yet.
	if err := n.data.RecordAll(ctx); err != nil {
		return nil, err
	}
	key, err := keys.Load(cfg.KeyFile, cfg.PasswordFile)
	if err != nil {
		return nil, err
	}
	n.metrics = metrics.New(n.store)
	countErr := func(method string) { n.metrics.RPCErrors.WithLabelValues(method).Inc() }
	if n.eth, err = connect(ctx, cfg.RPC, log, countErr); err != nil {
		return nil, err
	}
	if n.tx, err = txmgr.New(txmgr.Config{Client: n.eth, Store: n.store, Key: key, Retain: cfg.TxRetain,
		Resend: mustHappen, NotYet: endsLater, ReconcileLater: true, LogConfirmed: settledByLog, LogGrace: cfg.Confirmations + 16, Logger: log.Named("tx")}); err != nil {
		return nil, err
	}
	n.market = contracts.NewEthMarket(n.eth, n.tx, common.HexToAddress(cfg.Marketplace))
	n.market.SetPayout(cfg.Payout())
	if _, err := n.market.Config(ctx); err != nil {
		return nil, fmt.Errorf("no Marketplace at %s on %s (check --marketplace and --rpc): %w", cfg.Marketplace, RedactURL(cfg.RPC), err)
	}
	if err := n.checkDeployment(ctx); err != nil {
		return nil, err
	}
	if err := n.checkAccount(ctx); err != nil {
		return nil, err
	}
	n.roles["head"] = roleFunc(n.watchHead) // keeps slotd_chain_head_block and the cursor lag current
	if cfg.AlertWebhook != "" {
		n.roles["alerts"] = n.webhook()
	}
	if err := n.openRoles(ctx); err != nil {
		return nil, err
	}
	if err := n.listen(); err != nil {
		return nil, err
	}
	return n, nil
}

func (n *Node) openRoles(ctx context.Context) error {
	var subs []chain.Subscriber
	if n.cfg.Has(RoleClient) {
		n.client = purchasing.New(purchasing.MarketChain{Market: n.market}, n.store, n.log.Named("client"))
		n.roles[RoleClient] = roleFunc(func(ctx context.Context) error { return n.client.Run(ctx, n.cfg.Poll) })
		subs = append(subs, n.client)
	}
	if n.cfg.Has(RoleValidator) {
		mcfg, err := n.market.Config(ctx)
		if err != nil {
			return fmt.Errorf("validator: marketplace config: %w", err)
		}
		n.valid, err = validator.New(validator.MarketChain{Market: n.market}, n.store, validator.Config{
			Period: mcfg.Proofs.Period, Groups: n.cfg.ValidatorGroups, Group: n.cfg.ValidatorGroup, Poll: n.cfg.Poll,
			Log: n.log.Named("validator"), OnMark: func(contracts.SlotID, uint64) { n.metrics.ProofsMarked.Inc() },
			Submitter: n.tx, Market: n.market.Address(), Collateral: mcfg.Collateral,
		})
		if err != nil {
			return err
		}
		n.roles[RoleValidator] = n.valid
		subs = append(subs, n.valid)
	}
	if n.cfg.Has(RoleHost) {
		s, err := sales.New(ctx, sales.Config{Store: n.store, Market: n.market, Client: n.eth, Data: n.data,
			Peers: n.cfg.Peers, Download: &transfer.Options{AllowPrivate: n.cfg.AllowPrivateProviders}, Workers: n.cfg.Workers, QueueSize: n.cfg.QueueSize,
			MaxSlotsPerRequest: n.cfg.MaxSlotsPerRequest, Poll: n.cfg.Poll,
			Log: n.log.Named("host"), Metrics: n.metrics, Submitter: n.tx, ProofLogs: n.tx, Confirmations: n.cfg.Confirmations,
			Committed: crashAfter(n.log)})
		if err != nil {
			return err
		}
		n.sales = s
		n.roles[RoleHost] = s
		subs = append(subs, s)
		if err := n.metrics.ServeHostFigures(n.hostFigures); err != nil {
			return fmt.Errorf("host metrics: %w", err)
		}
	}
	return n.openIngestor(ctx, subs)
}

// openIngestor makes the node's one chain follower, which hands every
// batch of blocks to the ledger and then to subs, in the transaction that
// moves the cursor.
func (n *Node) openIngestor(ctx context.Context, subs []chain.Subscriber) error {
	if len(subs) == 0 {
		return nil
	}
	l := ledger.New(n.market)
	if n.cfg.Has(RoleHost) { // the proof record of each held slot, per period
		mcfg, err := n.market.Config(ctx)
		if err != nil {
			return err
		}
		l.WithProofs(ledger.Proofs{Store: n.store, Host: n.market.Account(), Headers: n.eth, Period: mcfg.Proofs.Period})
	}
	subs = append([]chain.Subscriber{l}, subs...)
	subs = append(subs, &reorgNotice{notify: n.tx.Reorged})
	in, err := chain.New(chain.Config{Client: n.eth, Store: n.store, Subscribers: subs, Address: n.market.Address(),
		StartBlock: n.cfg.StartBlock, Confirmations: n.cfg.Confirmations, PollInterval: n.cfg.Poll,
		Recent: proofReach, Logger: n.log.Named("chain")})
	if err != nil {
		return err
	}
	n.ingest = in
	n.roles["chain"] = in
	n.roles["ledger"] = ledger.NewPruner(n.store, 0, 0, n.log.Named("ledger")) // ended requests leave after a day
	return nil
}

// proofReach is how many block hashes the cursor remembers: a proof's
// challenge points up to 256 blocks back, so the proving scheduler finds
// every hash it needs there, with no header read.
const proofReach = 257

// watchHead records the chain's head for metrics every poll.
func (n *Node) watchHead(ctx context.Context) error {
	t := time.NewTicker(n.cfg.Poll)
	defer t.Stop()
	for {
		if head, err := n.eth.BlockNumber(ctx); err == nil {
			n.metrics.SetHead(head)
		} else if ctx.Err() == nil {
			n.log.Debug("head not read; retrying", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

type roleFunc func(ctx context.Context) error

func (f roleFunc) Run(ctx context.Context) error { return f(ctx) }

func (n *Node) listen() error {
	token, err := api.LoadOrCreateToken(filepath.Join(n.cfg.DataDir, "api-token"))
	if err != nil {
		return err
	}
	if n.ln, err = net.Listen("tcp", n.cfg.APIAddr); err != nil {
		return fmt.Errorf("api: listen on %s: %w", n.cfg.APIAddr, err)
	}
	if n.cfg.PublicURL == "" {
		n.cfg.PublicURL = n.APIURL() // the port the listener got, when asked for :0
	}
	providers, err := transfer.EncodeProviders([]string{n.cfg.DataURL()})
	if err != nil {
		return fmt.Errorf("public url: %w", err)
	}
	srv := &api.Server{Store: n.store, Data: n.data, Purchasing: n.client, Metrics: n.metrics, Token: token,
		Providers: providers, Status: n.status, Alerts: n.alertsNow, Log: n.log.Named("api")}
	if n.cfg.Has(RoleHost) {
		srv.Earnings = n.earningsNow
	}
	if !n.cfg.APIIsLocal() {
		srv.PrivateReads = !n.cfg.PublicReads
		n.log.Warn("the API listens beyond this machine: state-changing routes need the token, and so do reads unless --public-reads; data routes are public",
			"api", n.cfg.APIAddr, "publicReads", n.cfg.PublicReads)
	}
	if n.sales != nil {
		srv.Sales = n.sales
	}
	n.api, n.ln = api.NewHTTPServer(n.ln, srv.Handler(), api.Limits{MaxConns: n.cfg.MaxConns, MaxConnsPerClient: n.cfg.MaxConnsPerClient})
	return nil
}

// APIURL is the API's base URL.
func (n *Node) APIURL() string { return "http://" + n.ln.Addr().String() }

// Status is the node's status document (GET /api/v1/status).
type Status struct {
	Account     common.Address `json:"account"`
	Marketplace common.Address `json:"marketplace"`
	Roles       []string       `json:"roles"`
	Head        uint64         `json:"head"`
	DataURL     string         `json:"dataUrl"`
	// RewardAddress and CollateralAddress are where freeSlot pays this
	// host's earnings and returns its collateral (the account unless set).
	RewardAddress     common.Address `json:"rewardAddress"`
	CollateralAddress common.Address `json:"collateralAddress"`
	Marks             int            `json:"validatorMarks,omitempty"`
	Agents            int            `json:"agents,omitempty"`
	Queued            int            `json:"queued,omitempty"`
	Report
}

func (n *Node) status(ctx context.Context) any {
	s := Status{Account: n.market.Account(), Marketplace: n.market.Address(), Roles: n.cfg.Roles, DataURL: n.cfg.DataURL()}
	p := n.cfg.Payout()
	s.RewardAddress, s.CollateralAddress = cmp.Or(p.Reward, s.Account), cmp.Or(p.Collateral, s.Account)
	start := time.Now()
	head, headErr := n.eth.BlockNumber(ctx)
	if headErr == nil {
		s.Head = head
		n.metrics.SetHead(head)
	}
	s.Report = n.report(ctx, head, headErr, time.Since(start))
	if n.valid != nil {
		s.Marks = n.valid.Marks()
	}
	if n.sales != nil {
		s.Agents, s.Queued = len(n.sales.Agents()), n.sales.Queued()
	}
	return s
}

// Run serves the API and runs the roles until ctx ends, then stops them in
// order: roles first (they park at durable points), then the API, the tx
// manager, and finally the store.
func (n *Node) Run(ctx context.Context) error {
	return newRedactor(n.cfg.RPC).err(n.run(ctx))
}

func (n *Node) run(ctx context.Context) error {
	if err := n.tx.Start(ctx); err != nil {
		return fmt.Errorf("tx manager: %w", err)
	}
	defer n.tx.Stop()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, len(n.roles)+1)
	var wg sync.WaitGroup
	for name, r := range n.roles {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := r.Run(ctx); err != nil && ctx.Err() == nil {
				errc <- fmt.Errorf("%s role: %w", name, err)
			}
		}()
	}
	if n.sales != nil {
		wg.Go(func() { n.recordHostURL(ctx) })
	}
	go func() {
		if err := n.api.Serve(n.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("api: %w", err)
		}
	}()
	n.log.Info("node running", "api", n.APIURL(), "account", n.market.Account(), "roles", n.cfg.Roles)
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	cancel()
	wg.Wait()
	shutdown, done := context.WithTimeout(context.Background(), 5*time.Second)
	defer done()
	n.api.Shutdown(shutdown)
	n.log.Info("node stopped")
	return err
}

// Close releases what Open took; safe on a partly opened node.
func (n *Node) Close() error {
	if n.ln != nil {
		n.ln.Close()
	}
	if n.eth != nil {
		n.eth.Close()
	}
	if n.store != nil {
		return n.store.Close()
	}
	return nil
}

// crashAfter is a failpoint for crash tests: with SLOTD_CRASH_AFTER=<state>
// the node kills itself (SIGKILL, no shutdown path) the first time an agent
// commits that state, before the state's side effect starts.
func crashAfter(log hclog.Logger) func(persist.Agent) {
	state := os.Getenv("SLOTD_CRASH_AFTER")
	if state == "" {
		return nil
	}
	log.Warn("failpoint armed: this node kills itself after an agent commits a state", "state", state)
	return func(a persist.Agent) {
		if a.State == state {
			log.Warn("failpoint: killing the process", "slotId", a.SlotID, "state", a.State)
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
		}
	}
}
