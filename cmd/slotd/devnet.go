package main

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/node/devchain"
	"github.com/slotd/slotd/node/keys"
)

func init() {
	register(&command{name: "devnet", summary: "serve a dev chain with the contracts deployed, for separate 'slotd run' nodes", run: runDevnet})
}

// DevnetInfo is devnet.json: what `slotd run` processes need to join.
type DevnetInfo struct {
	HTTP         string           `json:"http"`
	WS           string           `json:"ws"`
	Marketplace  common.Address   `json:"marketplace"`
	Token        common.Address   `json:"token"`
	StartBlock   uint64           `json:"startBlock"`
	PasswordFile string           `json:"passwordFile"`
	Accounts     []DevnetAccount  `json:"accounts"`
	Config       contracts.Config `json:"config"`
}

// DevnetAccount is one funded account and its keystore file.
type DevnetAccount struct {
	Address common.Address `json:"address"`
	KeyFile string         `json:"keyFile"`
}

// devMarketConfig is the Marketplace for dev chains: short periods so a
// request's whole life fits in minutes at a fast block clock.
func devMarketConfig() contracts.Config {
	c := contracts.DefaultConfig()
	c.Proofs.Period, c.Proofs.Timeout = 20, 10
	return c
}

// Bounds of a dev chain's block time: below, a chain that mines blocks as
// fast as it can burns a core; above, nothing happens in a demo's time.
const (
	minTick = 10 * time.Millisecond
	maxTick = time.Minute
)

// devTokens is what each dev account is minted.
var devTokens = new(big.Int).Lsh(big.NewInt(1), 90)

func runDevnet(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("devnet", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "./devnet", "where keys and devnet.json are written")
	n := fs.Int("accounts", 5, "funded accounts to create")
	httpPort := fs.Int("http-port", 8545, "HTTP RPC port on 127.0.0.1 (0 picks one)")
	wsPort := fs.Int("ws-port", 8546, "WebSocket RPC port on 127.0.0.1 (0 picks one)")
	tick := fs.Duration("tick", 250*time.Millisecond, "real time per block; each block is one chain second")
	if _, err := parseArgs(fs, args); err != nil {
		return flagExit(err)
	}
	if *n < 1 || *n > 100 || *tick < minTick || *tick > maxTick {
		fmt.Fprintf(stderr, "slotd devnet: --accounts must be 1..100 (got %d) and --tick between %s and %s (got %s)\n", *n, minTick, maxTick, *tick)
		return exitUsage
	}
	net, info, err := startDevnet(ctx, *dir, *n, devchain.Config{Tick: *tick, ServeRPC: true, HTTPPort: *httpPort, WSPort: *wsPort})
	if err != nil {
		fmt.Fprintln(stderr, "slotd devnet:", err)
		return exitError
	}
	defer net.Close()
	fmt.Fprintf(stdout, "devnet: http %s  ws %s\nmarketplace %s  token %s  start block %d\n", info.HTTP, info.WS, info.Marketplace, info.Token, info.StartBlock)
	for _, a := range info.Accounts {
		fmt.Fprintf(stdout, "account %s  key %s\n", a.Address, a.KeyFile)
	}
	fmt.Fprintf(stdout, "password file %s\nwritten to %s; Ctrl-C stops the chain\n", info.PasswordFile, filepath.Join(*dir, "devnet.json"))
	fmt.Fprintln(stdout, "devnet nodes serve on 127.0.0.1: run them with --allow-private-providers (or SLOTD_ALLOW_PRIVATE_PROVIDERS=true)")
	<-ctx.Done()
	return exitOK
}

// devMarket is a dev chain with the token and the Marketplace deployed.
type devMarket struct {
	chain    *devchain.Chain
	deployer *contracts.KeySender // holds the token's mint
	dep      contracts.Deployment
	start    uint64 // the head once deployed: where nodes start reading
}

// bootDevChain starts a dev chain on which a new deployer and every one of
// accounts hold ether, and deploys the contracts with devMarketConfig. The
// chain is closed again if a later step fails.
func bootDevChain(ctx context.Context, cfg devchain.Config, accounts []common.Address) (devMarket, error) {
	deployer, _ := crypto.GenerateKey()
	ether := new(big.Int).Lsh(big.NewInt(1), 90)
	cfg.Alloc = map[common.Address]*big.Int{crypto.PubkeyToAddress(deployer.PublicKey): ether}
	for _, a := range accounts {
		cfg.Alloc[a] = ether
	}
	chain, err := devchain.Start(cfg)
	if err != nil {
		return devMarket{}, err
	}
	fail := func(err error) (devMarket, error) { chain.Close(); return devMarket{}, err }
	m := devMarket{chain: chain}
	if m.deployer, err = contracts.NewKeySender(ctx, chain.Client(), deployer); err != nil {
		return fail(err)
	}
	if m.dep, err = contracts.Deploy(ctx, m.deployer, devMarketConfig()); err != nil {
		return fail(err)
	}
	if m.start, err = chain.Client().BlockNumber(ctx); err != nil {
		return fail(err)
	}
	return m, nil
}

// startDevnet boots the chain, funds and keys n accounts, deploys the
// contracts and writes devnet.json into dir.
func startDevnet(ctx context.Context, dir string, n int, cfg devchain.Config) (*devchain.Chain, DevnetInfo, error) {
	var info DevnetInfo
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, info, err
	}
	accts := make([]*ecdsa.PrivateKey, n)
	addrs := make([]common.Address, n)
	for i := range accts {
		accts[i], _ = crypto.GenerateKey()
		addrs[i] = crypto.PubkeyToAddress(accts[i].PublicKey)
	}
	m, err := bootDevChain(ctx, cfg, addrs)
	if err != nil {
		return nil, info, err
	}
	chain, s, dep := m.chain, m.deployer, m.dep
	fail := func(err error) (*devchain.Chain, DevnetInfo, error) { chain.Close(); return nil, info, err }
	info.Config = devMarketConfig()
	info.HTTP, info.WS, info.Marketplace, info.Token, info.StartBlock = chain.HTTPURL(), chain.WSURL(), dep.Marketplace, dep.Token, m.start
	info.PasswordFile = filepath.Join(dir, "password")
	if err := os.WriteFile(info.PasswordFile, []byte("slotd-devnet\n"), 0o600); err != nil {
		return fail(err)
	}
	for i, k := range accts {
		addr := crypto.PubkeyToAddress(k.PublicKey)
		if err := contracts.Mint(ctx, s, dep.Token, addr, devTokens); err != nil {
			return fail(err)
		}
		_, file, err := keys.Save(filepath.Join(dir, fmt.Sprintf("keystore-%d", i)), info.PasswordFile, k, keys.Light)
		if err != nil {
			return fail(err)
		}
		info.Accounts = append(info.Accounts, DevnetAccount{Address: addr, KeyFile: file})
	}
	b, _ := json.MarshalIndent(info, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "devnet.json"), b, 0o600); err != nil {
		return fail(err)
	}
	return chain, info, nil
}
