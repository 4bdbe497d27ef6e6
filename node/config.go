// Package node wires slotd's parts into a running node: the store, the
// chain, the tx manager, the roles (host, client, validator), the data
// routes, the REST API and metrics.
package node

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/node/api"
)

// Roles a node can play.
const (
	RoleHost      = "host"
	RoleClient    = "client"
	RoleValidator = "validator"
)

// Config is a node's configuration: from flags, SLOTD_* environment
// variables and an optional JSON config file (flags win, then env, then file).
type Config struct {
	DataDir       string   `json:"dataDir"`
	RPC           string   `json:"rpc"`         // ws://, wss://, http:// or https://
	Marketplace   string   `json:"marketplace"` // contract address
	StartBlock    uint64   `json:"startBlock"`  // where the marketplace was deployed
	KeyFile       string   `json:"keyFile"`
	PasswordFile  string   `json:"passwordFile"`
	Roles         []string `json:"roles"`
	APIAddr       string   `json:"apiAddr"`   // host:port the API listens on
	PublicURL     string   `json:"publicUrl"` // how others reach this node's data routes
	Peers         []string `json:"peers"`     // extra providers for repairs
	Confirmations uint64   `json:"confirmations"`
	Workers       int      `json:"workers"`
	QueueSize     int      `json:"queueSize"`
	// MaxSlotsPerRequest is how many slots of one request this host may
	// hold at once (default 1: one host's outage then costs a request one
	// slot, never all of them). More is for small test networks.
	MaxSlotsPerRequest int `json:"maxSlotsPerRequest"`
	// ValidatorGroups and ValidatorGroup split validation between nodes:
	// a validator watches the slots whose id mod ValidatorGroups is
	// ValidatorGroup (0 groups: every slot).
	ValidatorGroups uint64        `json:"validatorGroups"`
	ValidatorGroup  uint64        `json:"validatorGroup"`
	Poll            time.Duration `json:"poll"` // how often roles look at the chain
	// TxRetain is how long settled transaction records are kept (see
	// txmgr.Config.Retain).
	TxRetain time.Duration `json:"txRetain"`
	LogLevel string        `json:"logLevel"`
	// RewardAddress and CollateralAddress receive a host's earnings and its
	// returned collateral when it frees a slot (default: the signing key's
	// own address), so the key on the server holds only gas and collateral.
	RewardAddress     string `json:"rewardAddress"`
	CollateralAddress string `json:"collateralAddress"`
	// AlertWebhook, when set, receives each alert raised or cleared as a
	// JSON POST (see alerts.go).
	AlertWebhook string `json:"alertWebhook"`
	// AllowPrivateProviders lets the host fetch slots from loopback and
	// private addresses. Off by default: provider URLs come from strangers'
	// requests, and would otherwise reach the host's own network.
	AllowPrivateProviders bool `json:"allowPrivateProviders"`
	// MaxConns and MaxConnsPerClient cap the API's open connections, in
	// all and per client IP (0: api.Limits' defaults).
	MaxConns          int `json:"maxConns"`
	MaxConnsPerClient int `json:"maxConnsPerClient"`
	// PublicReads leaves the state-reading routes open without the token
	// when the API listens beyond loopback.
	PublicReads bool `json:"publicReads"`
	// AllowNewKey lets the node start with another key than the one its
	// data dir signed for; the old account's pending transactions are
	// then settled or abandoned (see account.go).
	AllowNewKey bool `json:"allowNewKey"`
}

// APIIsLocal reports whether the API listens on loopback only.
func (c *Config) APIIsLocal() bool {
	host, _, err := net.SplitHostPort(c.APIAddr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Bounds of the numeric settings: beyond them a value is a typo, or would
// make the node burn a core or a disk.
const (
	MinPoll          = 10 * time.Millisecond
	MaxPoll          = 10 * time.Minute
	MaxTxRetain      = 365 * 24 * time.Hour
	MaxQueueSize     = 1 << 20
	MaxConfirmations = 10_000
)

// Defaults are what a field takes when nothing sets it.
func Defaults() Config {
	return Config{DataDir: "./data", APIAddr: "127.0.0.1:8080", Roles: []string{RoleHost},
		Workers: 3, QueueSize: 128, MaxSlotsPerRequest: 1, Poll: time.Second, TxRetain: time.Hour, LogLevel: "info"}
}

// LoadFile merges a JSON config file into c; unknown fields are an error.
// Durations are strings as Go writes them ("2s", "90m"); a bare number is
// nanoseconds, as earlier releases read it.
func (c *Config) LoadFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	defer f.Close()
	type plain Config // Config without this file's duration fields' decoding
	file := struct {
		*plain
		Poll     jsonDuration `json:"poll"`
		TxRetain jsonDuration `json:"txRetain"`
	}{plain: (*plain)(c), Poll: jsonDuration(c.Poll), TxRetain: jsonDuration(c.TxRetain)}
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	c.Poll, c.TxRetain = time.Duration(file.Poll), time.Duration(file.TxRetain)
	return nil
}

// jsonDuration is a time.Duration in a config file.
type jsonDuration time.Duration

func (d *jsonDuration) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch v := v.(type) {
	case float64:
		if v != v || v < math.MinInt64 || v >= math.MaxInt64 {
			return fmt.Errorf("duration %s: out of range (write it as a string like \"90s\" or \"2h\")", b)
		}
		*d = jsonDuration(v)
		return nil
	case string:
		p, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("duration %q: write it as Go does, like \"90s\" or \"2h\"", v)
		}
		*d = jsonDuration(p)
		return nil
	}
	return fmt.Errorf("duration %s: write it as a string like \"90s\" or \"2h\"", b)
}

// Has reports whether the node plays role.
func (c *Config) Has(role string) bool { return slices.Contains(c.Roles, role) }

// Validate checks everything before anything is opened, and says what to fix.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.DataDir == "" {
		bad("--data-dir is required")
	}
	if u, err := url.Parse(c.RPC); c.RPC == "" || err != nil || !slices.Contains([]string{"ws", "wss", "http", "https"}, u.Scheme) {
		bad("--rpc must be a ws://, wss://, http:// or https:// URL of an Ethereum node (got %q)", RedactURL(c.RPC))
	}
	if !common.IsHexAddress(c.Marketplace) {
		bad("--marketplace must be the Marketplace contract's 0x address (got %q)", c.Marketplace)
	}
	if c.KeyFile == "" || c.PasswordFile == "" {
		bad("--key and --password-file are required (make a key with 'slotd keys new')")
	}
	if len(c.Roles) == 0 {
		bad("--roles needs at least one of host, client, validator")
	}
	for _, r := range c.Roles {
		if r != RoleHost && r != RoleClient && r != RoleValidator {
			bad("unknown role %q: use host, client or validator", r)
		}
	}
	if _, _, err := net.SplitHostPort(c.APIAddr); err != nil {
		bad("--api %q is not host:port", c.APIAddr)
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			bad("--public-url must be an http(s) URL (got %q)", c.PublicURL)
		}
	}
	for flag, a := range map[string]string{"--reward-address": c.RewardAddress, "--collateral-address": c.CollateralAddress} {
		if a != "" && (!common.IsHexAddress(a) || common.HexToAddress(a) == common.Address{}) {
			bad("%s must be a non-zero 0x address (got %q)", flag, a)
		}
	}
	if c.AlertWebhook != "" {
		if u, err := url.Parse(c.AlertWebhook); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("--alert-webhook must be an http(s) URL (got %q)", c.AlertWebhook)
		}
	}
	if c.Workers < 1 || c.Workers > 64 {
		bad("--workers must be 1..64 (got %d)", c.Workers)
	}
	if c.MaxSlotsPerRequest < 1 {
		bad("--max-slots-per-request must be at least 1 (got %d)", c.MaxSlotsPerRequest)
	}
	if c.MaxConns < 0 || c.MaxConns > 1<<20 {
		bad("--max-conns must be 0 (the default, %d or half the file limit) to %d (got %d)", api.DefaultMaxConns, 1<<20, c.MaxConns)
	}
	if c.ValidatorGroups > 1 && c.ValidatorGroup >= c.ValidatorGroups {
		bad("--validator-group must be below --validator-groups (got group %d of %d; groups are numbered from 0)", c.ValidatorGroup, c.ValidatorGroups)
	} else if c.ValidatorGroups <= 1 && c.ValidatorGroup != 0 {
		bad("--validator-group %d needs --validator-groups above it", c.ValidatorGroup)
	}
	if c.MaxConnsPerClient < 0 || c.MaxConnsPerClient > 1<<20 {
		bad("--max-conns-per-client must be 0 (the default, %d) to %d (got %d)", api.DefaultMaxConnsPerClient, 1<<20, c.MaxConnsPerClient)
	}
	if c.QueueSize < 1 || c.QueueSize > MaxQueueSize {
		bad("--queue-size must be 1..%d (got %d)", MaxQueueSize, c.QueueSize)
	}
	if c.Confirmations > MaxConfirmations {
		bad("--confirmations must be 0..%d blocks (got %d)", MaxConfirmations, c.Confirmations)
	}
	if c.Poll < MinPoll || c.Poll > MaxPoll {
		bad("--poll must be between %s and %s (got %s): it is how often the node reads the chain", MinPoll, MaxPoll, c.Poll)
	}
	if c.TxRetain < time.Minute || c.TxRetain > MaxTxRetain {
		bad("--tx-retain must be at least 1m and at most %s, and longer than the deepest reorganisation you expect (got %s)", MaxTxRetain, c.TxRetain)
	}
	switch strings.ToLower(c.LogLevel) {
	case "trace", "debug", "info", "warn", "error":
	default:
		bad("--log-level must be trace, debug, info, warn or error (got %q)", c.LogLevel)
	}
	return errors.Join(errs...)
}

// Payout is where freeSlot pays; unset addresses are the signing key's.
func (c *Config) Payout() contracts.Payout {
	var p contracts.Payout
	if c.RewardAddress != "" {
		p.Reward = common.HexToAddress(c.RewardAddress)
	}
	if c.CollateralAddress != "" {
		p.Collateral = common.HexToAddress(c.CollateralAddress)
	}
	return p
}

// DataURL is where this node's data routes are reached by others.
func (c *Config) DataURL() string {
	if c.PublicURL != "" {
		return strings.TrimRight(c.PublicURL, "/")
	}
	return "http://" + c.APIAddr
}
