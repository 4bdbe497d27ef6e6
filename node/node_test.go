package node_test

import (
	"context"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/hashicorp/go-hclog"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/node"
	"github.com/slotd/slotd/node/devchain"
	"github.com/slotd/slotd/node/keys"
)

func TestConfigValidationSaysWhatToFix(t *testing.T) {
	c := node.Defaults()
	c.Roles = []string{"host", "miner"}
	c.Workers = 0
	err := c.Validate()
	for _, want := range []string{"--rpc", "--marketplace", "--key", `unknown role "miner"`, "--workers"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("validation error %v does not mention %s", err, want)
		}
	}
}

func TestNodeRunsClientAndValidatorOnDevChain(t *testing.T) {
	key, _ := crypto.GenerateKey()
	addr := crypto.PubkeyToAddress(key.PublicKey)
	chain, err := devchain.Start(devchain.Config{Alloc: map[common.Address]*big.Int{addr: new(big.Int).Lsh(big.NewInt(1), 80)}, Tick: 50 * time.Millisecond, ServeRPC: true})
	if err != nil {
		t.Fatal(err)
	}
	defer chain.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, _ := contracts.NewKeySender(ctx, chain.Client(), key)
	dep, err := contracts.Deploy(ctx, s, contracts.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte("pw\n"), 0o600)
	_, keyFile, err := keys.Save(filepath.Join(dir, "keystore"), pw, key, keys.Light)
	if err != nil {
		t.Fatal(err)
	}
	cfg := node.Defaults()
	cfg.DataDir, cfg.RPC, cfg.Marketplace = filepath.Join(dir, "data"), chain.WSURL(), dep.Marketplace.Hex()
	cfg.KeyFile, cfg.PasswordFile, cfg.APIAddr = keyFile, pw, "127.0.0.1:0"
	cfg.Roles = []string{node.RoleClient, node.RoleValidator}

	n, err := node.Open(ctx, cfg, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if _, err := node.Open(ctx, cfg, hclog.NewNullLogger()); err == nil || !strings.Contains(err.Error(), "running") {
		t.Fatalf("second node on the same data dir: %v", err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- n.Run(runCtx) }()
	// The head reaches the metrics without anyone asking for the status.
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(n.APIURL() + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if m := regexp.MustCompile(`(?m)^slotd_chain_head_block (\d+)`).FindSubmatch(body); m != nil && string(m[1]) != "0" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics never saw the head:\n%s", body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	resp, err := http.Get(n.APIURL() + "/api/v1/status")
	if err != nil {
		t.Fatal(err)
	}
	var st node.Status
	json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if st.Account != addr || st.Marketplace != dep.Marketplace || st.Head == 0 {
		t.Fatalf("status: %+v", st)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
}
