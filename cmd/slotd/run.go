package main

import (
	"context"
	"errors"
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
	isBool      bool                     // a switch: --flag alone means true
	get         func(c *node.Config) any // for the usage's defaults
}

func boolSetting(name, usage string, f func(*node.Config) *bool) setting {
	return setting{name, usage, func(c *node.Config, v string) error {
		b, err := strconv.ParseBool(v)
		*f(c) = b
		return err
	}, true, func(c *node.Config) any { return *f(c) }}
}

// switchValue is a bool flag kept as the string it was given, so that
// flags, env and file resolve alike.
type switchValue struct{ s *string }

func (v switchValue) String() string {
	if v.s == nil {
		return ""
	}
	return *v.s
}
func (v switchValue) Set(s string) error { *v.s = s; return nil }
func (v switchValue) IsBoolFlag() bool   { return true }

func uintSetting(name, usage string, f func(*node.Config) *uint64) setting {
	return setting{name, usage, func(c *node.Config, v string) error {
		n, err := strconv.ParseUint(v, 10, 64)
		*f(c) = n
		return err
	}, false, func(c *node.Config) any { return *f(c) }}
}

func intSetting(name, usage string, f func(*node.Config) *int) setting {
	return setting{name, usage, func(c *node.Config, v string) error {
		n, err := strconv.Atoi(v)
		*f(c) = n
		return err
	}, false, func(c *node.Config) any { return *f(c) }}
}

func durationSetting(name, usage string, f func(*node.Config) *time.Duration) setting {
	return setting{name, usage, func(c *node.Config, v string) error {
		d, err := time.ParseDuration(v)
		*f(c) = d
		return err
	}, false, func(c *node.Config) any { return *f(c) }}
}

func strSetting(name, usage string, f func(*node.Config) *string) setting {
	return setting{name, usage, func(c *node.Config, v string) error { *f(c) = v; return nil }, false, func(c *node.Config) any { return *f(c) }}
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
	}, false, func(c *node.Config) any { return strings.Join(*f(c), ",") }}
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
	strSetting("alert-webhook", "http(s) URL that gets each alert raised or cleared as a JSON POST", func(c *node.Config) *string { return &c.AlertWebhook }),
	intSetting("max-conns", "API connections open at once, all clients (0: 1024 or half the file limit)", func(c *node.Config) *int { return &c.MaxConns }),
	intSetting("max-conns-per-client", "API connections open at once from one IP address (0: 64)", func(c *node.Config) *int { return &c.MaxConnsPerClient }),
	boolSetting("public-reads", "with --api beyond loopback, leave status, sales, purchases, availabilities, queue and datasets readable without the token",
		func(c *node.Config) *bool { return &c.PublicReads }),
	boolSetting("allow-private-providers", "fetch slots from loopback and private addresses too (devnets, LANs; off: public only)",
		func(c *node.Config) *bool { return &c.AllowPrivateProviders }),
	boolSetting("allow-new-key", "start with another --key than the data dir signed for: the old account's pending transactions are settled or abandoned",
		func(c *node.Config) *bool { return &c.AllowNewKey }),
}

// exitHelp is loadNodeConfig's answer to -h: the usage is printed, and
// the command exits 0 without running anything.
const exitHelp = -1

// defaultNote is the usage's "default X; " for a default value v.
func defaultNote(v any) string {
	switch v := v.(type) {
	case string:
		if v == "" {
			return ""
		}
	case bool:
		if !v {
			return ""
		}
	case uint64:
		if v == 0 {
			return ""
		}
	case int:
		if v == 0 {
			return ""
		}
	}
	return fmt.Sprintf("default %v; ", v)
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
	defaults := node.Defaults()
	for _, s := range nodeSettings {
		usage := s.usage + " (" + defaultNote(s.get(&defaults)) + "env " + envName(s.flag) + ")"
		if s.isBool {
			v := new(string)
			fs.Var(switchValue{v}, s.flag, usage)
			values[s.flag] = v
			continue
		}
		values[s.flag] = fs.String(s.flag, "", usage)
	}
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: slotd run [--config FILE] [flags]\n\nEvery flag is also settable as SLOTD_<FLAG> or in the config file.\n\nflags:")
		fs.PrintDefaults()
	}
	if _, err := parseArgs(fs, args); errors.Is(err, flag.ErrHelp) {
		return node.Config{}, exitHelp
	} else if err != nil {
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
	if code == exitHelp {
		return exitOK
	}
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
