package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/slotd/slotd/node"
)

func init() {
	register(&command{name: "run", summary: "run a node (host, client and/or validator) against a chain", run: runNode})
}

// setting is one node.Config field settable by flag, env and config file.
type setting struct {
	flag, usage string
	set         func(c *node.Config, v string) error
}

func uintSetting(name, usage string, f func(*node.Config) *uint64) setting {
	return setting{name, usage, func(c *node.Config, v string) error {
		n, err := strconv.ParseUint(v, 10, 64)
		*f(c) = n
		return err
	}}
}

func intSetting(name, usage string, f func(*node.Config) *int) setting {
	return setting{name, usage, func(c *node.Config, v string) error {
		n, err := strconv.Atoi(v)
		*f(c) = n
		return err
	}}
}

func durationSetting(name, usage string, f func(*node.Config) *time.Duration) setting {
	return setting{name, usage, func(c *node.Config, v string) error {
		d, err := time.ParseDuration(v)
		*f(c) = d
		return err
	}}
}

func strSetting(name, usage string, f func(*node.Config) *string) setting {
	return setting{name, usage, func(c *node.Config, v string) error { *f(c) = v; return nil }}
}

func listSetting(name, usage string, f func(*node.Config) *[]string) setting {
	return setting{name, usage, func(c *node.Config, v string) error {
		*f(c) = nil
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				*f(c) = append(*f(c), s)
			}
		}
		return nil
	}}
}

var nodeSettings = []setting{
	strSetting("data-dir", "directory for the store, data and API token", func(c *node.Config) *string { return &c.DataDir }),
	strSetting("rpc", "Ethereum node URL (ws:// to follow heads by subscription)", func(c *node.Config) *string { return &c.RPC }),
	strSetting("marketplace", "Marketplace contract address", func(c *node.Config) *string { return &c.Marketplace }),
	uintSetting("start-block", "block the Marketplace was deployed in", func(c *node.Config) *uint64 { return &c.StartBlock }),
	strSetting("key", "keystore file of the node's signing key", func(c *node.Config) *string { return &c.KeyFile }),
	strSetting("password-file", "file holding the key's password", func(c *node.Config) *string { return &c.PasswordFile }),
	listSetting("roles", "comma-separated: host, client, validator", func(c *node.Config) *[]string { return &c.Roles }),
	strSetting("api", "address the REST API listens on", func(c *node.Config) *string { return &c.APIAddr }),
	strSetting("public-url", "URL others reach this node's data routes at (default http://API)", func(c *node.Config) *string { return &c.PublicURL }),
	listSetting("peers", "extra provider URLs for repairs, comma-separated", func(c *node.Config) *[]string { return &c.Peers }),
	uintSetting("confirmations", "blocks behind the head to act on", func(c *node.Config) *uint64 { return &c.Confirmations }),
	intSetting("workers", "slot queue workers", func(c *node.Config) *int { return &c.Workers }),
	intSetting("max-slots-per-request", "slots of one request this host may hold (default 1; more only for small test networks)", func(c *node.Config) *int { return &c.MaxSlotsPerRequest }),
	intSetting("queue-size", "slot queue bound", func(c *node.Config) *int { return &c.QueueSize }),
	uintSetting("validator-groups", "split validation into this many groups (0: watch every slot)", func(c *node.Config) *uint64 { return &c.ValidatorGroups }),
	uintSetting("validator-group", "the group this validator watches: slots whose id mod groups is this", func(c *node.Config) *uint64 { return &c.ValidatorGroup }),
	durationSetting("poll", "how often roles look at the chain", func(c *node.Config) *time.Duration { return &c.Poll }),
	durationSetting("tx-retain", "how long settled transaction records are kept", func(c *node.Config) *time.Duration { return &c.TxRetain }),
	strSetting("log-level", "trace, debug, info, warn or error", func(c *node.Config) *string { return &c.LogLevel }),
	strSetting("reward-address", "address paid a host's earnings when it frees a slot (default the key's)", func(c *node.Config) *string { return &c.RewardAddress }),
	strSetting("collateral-address", "address a host's collateral returns to (default the key's)", func(c *node.Config) *string { return &c.CollateralAddress }),
}

// envName is the environment variable for a flag: --data-dir is SLOTD_DATA_DIR.
func envName(flag string) string {
	return "SLOTD_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// loadNodeConfig resolves defaults < config file < environment < flags.
func loadNodeConfig(args []string, stderr io.Writer) (node.Config, int) {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configFile := fs.String("config", os.Getenv("SLOTD_CONFIG"), "JSON config file (fields as in the README)")
	values := map[string]*string{}
	for _, s := range nodeSettings {
		values[s.flag] = fs.String(s.flag, "", s.usage+" (env "+envName(s.flag)+")")
	}
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: slotd run [--config FILE] [flags]\n\nflags (each also settable as SLOTD_<FLAG> or in the config file):")
		fs.PrintDefaults()
	}
	if _, err := parseArgs(fs, args); err != nil {
		return node.Config{}, flagExit(err)
	}
	cfg := node.Defaults()
	if *configFile != "" {
		if err := cfg.LoadFile(*configFile); err != nil {
			fmt.Fprintln(stderr, "slotd run:", err)
			return cfg, exitUsage
		}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, s := range nodeSettings {
		v, ok := *values[s.flag], set[s.flag]
		if !ok {
			v, ok = os.LookupEnv(envName(s.flag))
		}
		if !ok {
			continue
		}
		if err := s.set(&cfg, v); err != nil {
			fmt.Fprintf(stderr, "slotd run: --%s %q: %v\n", s.flag, v, err)
			return cfg, exitUsage
		}
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "slotd run: invalid configuration:\n%v\n", err)
		return cfg, exitUsage
	}
	return cfg, exitOK
}

func newLogger(name, level string, w io.Writer) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{Name: name, Level: hclog.LevelFromString(level), Output: w})
}

func runNode(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, code := loadNodeConfig(args, stderr)
	if code != exitOK {
		return code
	}
	log := newLogger("slotd", cfg.LogLevel, stderr)
	n, err := node.Open(ctx, cfg, log)
	if err != nil {
		fmt.Fprintln(stderr, "slotd run:", err)
		return exitError
	}
	defer n.Close()
	fmt.Fprintf(stdout, "slotd: API on %s\n", n.APIURL())
	if err := n.Run(ctx); err != nil {
		fmt.Fprintln(stderr, "slotd run:", err)
		return exitError
	}
	return exitOK
}
