package main

import (
	"context"
	"crypto/ecdsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/internal/present"
	"github.com/slotd/slotd/node/devchain"
	"github.com/slotd/slotd/node/keys"
)

func init() {
	register(&command{name: "devnet", summary: "serve a dev chain with the contracts deployed, for separate 'slotd run' nodes", run: runDevnet})
}

// DevnetInfo is devnet.json: what `slotd run` processes need to join.
type DevnetInfo struct {
	HTTP         string         `json:"http"`
	WS           string         `json:"ws"`
	Marketplace  common.Address `json:"marketplace"`
	Token        common.Address `json:"token"`
	StartBlock   uint64         `json:"startBlock"`
	PasswordFile string         `json:"passwordFile"`
	// Mnemonic is the public test mnemonic the accounts come from; the
	// deployer is its account 0 and Accounts are 1, 2, ….
	Mnemonic string           `json:"mnemonic"`
	Deployer DevnetAccount    `json:"deployer"`
	Accounts []DevnetAccount  `json:"accounts"`
	Config   contracts.Config `json:"config"`
}

// DevnetAccount is one funded account and its keystore file. PrivateKey
// is written out because it is public anyway (DEVELOPMENT ONLY).
type DevnetAccount struct {
	Address    common.Address `json:"address"`
	KeyFile    string         `json:"keyFile,omitempty"`
	PrivateKey string         `json:"privateKeyDevelopmentOnly"`
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
	setUsage(fs, stderr, "devnet [flags]", `Serves a dev chain on 127.0.0.1 with the Marketplace and its token deployed and
funded accounts, for separate 'slotd run' nodes; runs until interrupted. The
accounts are those of the public test mnemonic anvil uses ("test test … junk",
m/44'/60'/0'/0/i): the same addresses and contracts on every run.
DEVELOPMENT ONLY: their private keys are public knowledge.`)
	dir := fs.String("dir", "./devnet", "where the chain, keys and devnet.json are kept (a restart here continues the same chain)")
	n := fs.Int("accounts", 5, "funded node accounts (mnemonic accounts 1..N; 0 deploys): 5 is a client, three hosts and a validator")
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
	printDevnet(stdout, *dir, *tick, info)
	<-ctx.Done()
	return exitOK
}

// devRoles names what each node account is for in the printed commands.
func devRoles(n int) []string {
	roles := make([]string, n)
	for i := range roles {
		switch {
		case i == 0:
			roles[i] = "client"
		case i <= 3:
			roles[i] = fmt.Sprintf("host-%d", i)
		case i == 4:
			roles[i] = "validator"
		default:
			roles[i] = fmt.Sprintf("spare-%d", i-4)
		}
	}
	return roles
}

// printDevnet says what the devnet is, its accounts with their keys
// (labelled development only), and the commands that start nodes on it.
func printDevnet(w io.Writer, dir string, tick time.Duration, info DevnetInfo) {
	rate := float64(time.Second) / float64(tick)
	fmt.Fprintf(w, "slotd devnet: a DEVELOPMENT chain; its keys are public, never send real funds to them\n\n")
	fmt.Fprintf(w, "rpc:         %s  (http: %s)\n", info.WS, info.HTTP)
	fmt.Fprintf(w, "clock:       a block every %s, each one chain second: chain time runs %.4g× wall time\n", tick, rate)
	fmt.Fprintf(w, "             (a %d s proof period takes %s of wall time)\n", info.Config.Proofs.Period,
		time.Duration(float64(info.Config.Proofs.Period)*float64(tick)).Round(10*time.Millisecond))
	fmt.Fprintf(w, "marketplace: %s (start block %d)\n", info.Marketplace, info.StartBlock)
	fmt.Fprintf(w, "token:       %s (SLOT, 18 decimals)\n", info.Token)
	fmt.Fprintf(w, "mnemonic:    %q\n             (BIP-44 path %s, as anvil's)\n\n", devMnemonic, strings.ReplaceAll(devKeyPath, "%d", "i"))
	fmt.Fprintf(w, "accounts, each with %s and ether for gas\n", devToken.Short(devTokens))
	fmt.Fprintln(w, "(private keys DEVELOPMENT ONLY: they are published, anyone can spend from them):")
	fmt.Fprintf(w, "  %-2d %-10s %s\n     key %s\n", 0, "deployer", info.Deployer.Address.Hex(), info.Deployer.PrivateKey)
	roles := devRoles(len(info.Accounts))
	for i, a := range info.Accounts {
		fmt.Fprintf(w, "  %-2d %-10s %s\n     key %s\n", i+1, roles[i], a.Address.Hex(), a.PrivateKey)
	}
	fmt.Fprintf(w, "\nkeystores: %s (password in %s)\nall of this: %s\n",
		filepath.Join(dir, "keystore-N", "key.json"), info.PasswordFile, filepath.Join(dir, "devnet.json"))
	fmt.Fprintln(w, "\nStart the nodes, each in a terminal of its own:")
	for i, a := range info.Accounts {
		role, api := roles[i], fmt.Sprintf("127.0.0.1:%d", 8080+i)
		kind := strings.TrimRight(strings.SplitN(role, "-", 2)[0], "0123456789")
		if kind == "spare" {
			continue
		}
		fmt.Fprintf(w, "\n  slotd run --roles %s --data-dir ./%s --api %s \\\n", kind, role, api)
		fmt.Fprintf(w, "    --rpc %s --start-block %d \\\n", info.WS, info.StartBlock)
		fmt.Fprintf(w, "    --marketplace %s \\\n", info.Marketplace)
		fmt.Fprintf(w, "    --key %s \\\n    --password-file %s \\\n", a.KeyFile, info.PasswordFile)
		fmt.Fprintf(w, "    --allow-private-providers   # devnet nodes serve each other on 127.0.0.1\n")
	}
	if len(info.Accounts) >= 2 {
		fmt.Fprintf(w, "\nThen offer space on a host and store a file from the client:\n\n")
		fmt.Fprintf(w, "  slotd availability add --size 4194304 --duration 3600 --min-price 1 --max-collateral 100 \\\n")
		fmt.Fprintf(w, "    --api 127.0.0.1:8081 --data-dir ./host-1\n")
		fmt.Fprintf(w, "  slotd upload FILE --slots 3 --max-slot-loss 1 --api 127.0.0.1:8080 --data-dir ./client\n")
		fmt.Fprintf(w, "  slotd status --api 127.0.0.1:8081\n")
	}
	fmt.Fprintln(w, "\nCtrl-C stops the chain.")
}

// devToken is the devnet token's units.
var devToken = present.Token{Symbol: "SLOT", Decimals: 18}

// devMarket is a dev chain with the token and the Marketplace deployed.
type devMarket struct {
	chain    *devchain.Chain
	deployer *contracts.KeySender // holds the token's mint
	dep      contracts.Deployment
	start    uint64 // the head once deployed: where nodes start reading
}

// bootDevChain starts a dev chain on which deployer and every one of
// accounts hold ether, and deploys the contracts with devMarketConfig from
// deployer (so a fixed deployer gives the same contract addresses every
// run). The chain is closed again if a later step fails.
func bootDevChain(ctx context.Context, cfg devchain.Config, deployer *ecdsa.PrivateKey, accounts []common.Address) (devMarket, error) {
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

// startDevnet boots the chain, funds and keys n accounts of devMnemonic
// (1..n; 0 deploys), deploys the contracts and writes devnet.json into dir.
func startDevnet(ctx context.Context, dir string, n int, cfg devchain.Config) (*devchain.Chain, DevnetInfo, error) {
	var info DevnetInfo
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, info, err
	}
	deployer, err := devKey(0)
	if err != nil {
		return nil, info, err
	}
	accts := make([]*ecdsa.PrivateKey, n)
	addrs := make([]common.Address, n)
	for i := range accts {
		if accts[i], err = devKey(uint32(i + 1)); err != nil {
			return nil, info, err
		}
		addrs[i] = crypto.PubkeyToAddress(accts[i].PublicKey)
	}
	cfg.DataDir = filepath.Join(dir, "chain")
	prev, resumed, err := readDevnet(dir, cfg.DataDir)
	if err != nil {
		return nil, info, err
	}
	var m devMarket
	if resumed {
		m, err = resumeDevChain(ctx, cfg, deployer, prev, addrs)
	} else {
		m, err = bootDevChain(ctx, cfg, deployer, addrs)
	}
	if err != nil {
		return nil, info, err
	}
	chain, s, dep := m.chain, m.deployer, m.dep
	fail := func(err error) (*devchain.Chain, DevnetInfo, error) { chain.Close(); return nil, info, err }
	info.Config = devMarketConfig()
	info.HTTP, info.WS, info.Marketplace, info.Token, info.StartBlock = chain.HTTPURL(), chain.WSURL(), dep.Marketplace, dep.Token, m.start
	info.Mnemonic, info.Deployer = devMnemonic, DevnetAccount{Address: crypto.PubkeyToAddress(deployer.PublicKey), PrivateKey: keyHex(deployer)}
	info.PasswordFile = filepath.Join(dir, "password")
	if err := os.WriteFile(info.PasswordFile, []byte("slotd-devnet\n"), 0o600); err != nil {
		return fail(err)
	}
	for i, k := range accts {
		addr := crypto.PubkeyToAddress(k.PublicKey)
		if !resumed { // a continued chain holds the first run's tokens
			if err := contracts.Mint(ctx, s, dep.Token, addr, devTokens); err != nil {
				return fail(err)
			}
		}
		// The same key every run: replace the keystore an earlier run wrote
		// rather than add a second file beside it.
		ksDir := filepath.Join(dir, fmt.Sprintf("keystore-%d", i+1))
		if err := os.RemoveAll(ksDir); err != nil {
			return fail(err)
		}
		_, saved, err := keys.Save(ksDir, info.PasswordFile, k, keys.Light)
		if err != nil {
			return fail(err)
		}
		file := filepath.Join(ksDir, "key.json") // a name the printed commands can keep short
		if err := os.Rename(saved, file); err != nil {
			return fail(err)
		}
		info.Accounts = append(info.Accounts, DevnetAccount{Address: addr, KeyFile: file, PrivateKey: keyHex(k)})
	}
	b, _ := json.MarshalIndent(info, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "devnet.json"), b, 0o600); err != nil {
		return fail(err)
	}
	return chain, info, nil
}

// readDevnet reads the devnet.json of an earlier run whose chain is kept
// in chainDir; resumed is false when there is none (a fresh devnet).
func readDevnet(dir, chainDir string) (info DevnetInfo, resumed bool, err error) {
	b, err := os.ReadFile(filepath.Join(dir, "devnet.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return info, false, nil
	}
	if err != nil {
		return info, false, err
	}
	if _, err := os.Stat(chainDir); errors.Is(err, fs.ErrNotExist) {
		return info, false, nil // written by a devnet that kept its chain in memory
	}
	if err := json.Unmarshal(b, &info); err != nil {
		return info, false, fmt.Errorf("%s: %w (delete %s to start a fresh devnet)", filepath.Join(dir, "devnet.json"), err, dir)
	}
	return info, true, nil
}

// resumeDevChain continues the chain kept in cfg.DataDir, whose contracts
// prev names. Genesis funded the first run's accounts only, so a restart
// with more --accounts is refused rather than handing out empty ones.
func resumeDevChain(ctx context.Context, cfg devchain.Config, deployer *ecdsa.PrivateKey, prev DevnetInfo, accounts []common.Address) (devMarket, error) {
	chain, err := devchain.Start(cfg)
	if err != nil {
		return devMarket{}, fmt.Errorf("continuing the chain in %s: %w (delete it to start afresh)", cfg.DataDir, err)
	}
	fail := func(err error) (devMarket, error) { chain.Close(); return devMarket{}, err }
	code, err := chain.Client().CodeAt(ctx, prev.Marketplace, nil)
	if err != nil {
		return fail(err)
	}
	if len(code) == 0 {
		return fail(fmt.Errorf("the chain in %s has no Marketplace at %s as devnet.json says: delete %s to start afresh", cfg.DataDir, prev.Marketplace, filepath.Dir(cfg.DataDir)))
	}
	if len(accounts) > len(prev.Accounts) {
		return fail(fmt.Errorf("this devnet was started with --accounts %d; its chain funds only those (restart with at most that many, or delete %s for a fresh devnet)", len(prev.Accounts), filepath.Dir(cfg.DataDir)))
	}
	m := devMarket{chain: chain, dep: contracts.Deployment{Marketplace: prev.Marketplace, Token: prev.Token}, start: prev.StartBlock}
	if m.deployer, err = contracts.NewKeySender(ctx, chain.Client(), deployer); err != nil {
		return fail(err)
	}
	return m, nil
}

func keyHex(k *ecdsa.PrivateKey) string { return "0x" + hex.EncodeToString(crypto.FromECDSA(k)) }
