package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

// required are the settings Validate insists on, as flags.
var required = []string{"--rpc", "ws://127.0.0.1:8545", "--marketplace", "0x5FbDB2315678afecb367f032d93F642f64180aa3",
	"--key", "key.json", "--password-file", "pw"}

func writeConfig(t *testing.T, json string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "slotd.json")
	if err := os.WriteFile(path, []byte(json), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestRunConfigPrecedence: the config file, then SLOTD_* variables, then
// flags; durations in the file are written as Go writes them.
func TestRunConfigPrecedence(t *testing.T) {
	var stderr bytes.Buffer
	cfg, code := loadNodeConfig(append([]string{"--config", writeConfig(t, `{"poll": 2000000000}`), "--tx-retain", "2h"}, required...), &stderr)
	if code != exitOK || cfg.Poll != 2*time.Second || cfg.TxRetain != 2*time.Hour {
		t.Fatalf("exit %d, poll %s, txRetain %s; want 2s from nanoseconds and 2h from the flag: %s", code, cfg.Poll, cfg.TxRetain, stderr.String())
	}

	file := writeConfig(t, `{"poll": "2s", "txRetain": "30m", "workers": 5, "queueSize": 7}`)
	t.Setenv("SLOTD_POLL", "3s")
	t.Setenv("SLOTD_WORKERS", "6")
	cfg, code = loadNodeConfig(append([]string{"--config", file, "--workers", "4"}, required...), &stderr)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if cfg.Poll != 3*time.Second || cfg.TxRetain != 30*time.Minute || cfg.Workers != 4 || cfg.QueueSize != 7 {
		t.Fatalf("poll %s, txRetain %s, workers %d, queueSize %d; want 3s (env), 30m (file), 4 (flag), 7 (file)",
			cfg.Poll, cfg.TxRetain, cfg.Workers, cfg.QueueSize)
	}
	if cfg.MaxSlotsPerRequest != 1 {
		t.Fatalf("maxSlotsPerRequest %d by default, want 1", cfg.MaxSlotsPerRequest)
	}
	t.Setenv("SLOTD_MAX_SLOTS_PER_REQUEST", "2")
	if cfg, _ = loadNodeConfig(required, &stderr); cfg.MaxSlotsPerRequest != 2 {
		t.Fatalf("maxSlotsPerRequest %d from the environment, want 2", cfg.MaxSlotsPerRequest)
	}
	if _, code = loadNodeConfig(append([]string{"--max-slots-per-request", "0"}, required...), &stderr); code != exitUsage {
		t.Fatalf("--max-slots-per-request 0: exit %d, want a usage error", code)
	}
}

func TestRunConfigRefusesBadDurations(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--config", writeConfig(t, `{"poll": "fast"}`)}, `"fast"`},
		{[]string{"--config", writeConfig(t, `{"txRetain": true}`)}, `"90s"`},
		{[]string{"--config", writeConfig(t, `{"pol": "1s"}`)}, `unknown field "pol"`},
		{[]string{"--tx-retain", "10s"}, "--tx-retain must be at least 1m"},
		{[]string{"--poll", "1"}, "--poll"},
	} {
		var stderr bytes.Buffer
		_, code := loadNodeConfig(append(c.args, required...), &stderr)
		if code != exitUsage || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: exit %d, %q; want a usage error mentioning %s", c.args, code, stderr.String(), c.want)
		}
	}
}

// TestRunConfigPayoutAddresses: --reward-address and --collateral-address
// (or their SLOTD_* variables, or the file) say where freeSlot pays; unset
// ones are the key's own address; a malformed one is a usage error.
func TestRunConfigPayoutAddresses(t *testing.T) {
	const reward, collateral = "0x00000000000000000000000000000000000000aa", "0x00000000000000000000000000000000000000bb"
	var stderr bytes.Buffer
	t.Setenv("SLOTD_COLLATERAL_ADDRESS", collateral)
	cfg, code := loadNodeConfig(append([]string{"--reward-address", reward}, required...), &stderr)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if p := cfg.Payout(); p.Reward.Hex() != common.HexToAddress(reward).Hex() || p.Collateral.Hex() != common.HexToAddress(collateral).Hex() {
		t.Fatalf("payout %+v, want reward %s (flag) and collateral %s (env)", p, reward, collateral)
	}
	t.Setenv("SLOTD_COLLATERAL_ADDRESS", "")
	cfg, _ = loadNodeConfig(required, &stderr)
	if p := cfg.Payout(); p.Reward != (common.Address{}) || p.Collateral != (common.Address{}) {
		t.Fatalf("payout %+v with nothing set, want zero (the key's own address)", p)
	}
	for _, bad := range []string{"0x1234", "0x0000000000000000000000000000000000000000"} {
		stderr.Reset()
		if _, code := loadNodeConfig(append([]string{"--reward-address", bad}, required...), &stderr); code != exitUsage || !strings.Contains(stderr.String(), "--reward-address") {
			t.Errorf("--reward-address %s: exit %d, %q; want a usage error", bad, code, stderr.String())
		}
	}
}

// TestRunValidatorGroups: the groups come from flags or SLOTD_* variables,
// and a group outside the groups is refused with what to fix.
func TestRunValidatorGroups(t *testing.T) {
	var stderr bytes.Buffer
	t.Setenv("SLOTD_VALIDATOR_GROUPS", "4")
	cfg, code := loadNodeConfig(append([]string{"--validator-group", "3"}, required...), &stderr)
	if code != exitOK || cfg.ValidatorGroups != 4 || cfg.ValidatorGroup != 3 {
		t.Fatalf("exit %d, groups %d, group %d; want 4 (env) and 3 (flag): %s", code, cfg.ValidatorGroups, cfg.ValidatorGroup, stderr.String())
	}
	for _, args := range [][]string{{"--validator-group", "4"}, {"--validator-groups", "0", "--validator-group", "1"}} {
		stderr.Reset()
		if _, code := loadNodeConfig(append(args, required...), &stderr); code != exitUsage || !strings.Contains(stderr.String(), "--validator-group") {
			t.Errorf("%v: exit %d, %s; want a usage error naming --validator-group", args, code, stderr.String())
		}
	}
}
