package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/slotd/slotd/node/devchain"
)

// TestDevnetAccountsAreFixed: two devnets in one dir have the same
// accounts, keys and contract addresses, each keystore holds one file, and
// the printout labels the keys and gives commands that start nodes.
func TestDevnetAccountsAreFixed(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute) // three dev chain boots; slow under -race on 2 cores
	defer cancel()
	dir := t.TempDir()
	var heads []uint64
	boot := func() DevnetInfo {
		chain, info, err := startDevnet(ctx, dir, 5, devchain.Config{Tick: 50 * time.Millisecond, ServeRPC: true})
		if err != nil {
			t.Fatal(err)
		}
		head, _ := chain.Client().BlockNumber(ctx)
		heads = append(heads, head)
		chain.Close()
		return info
	}
	first, second := boot(), boot()
	// The second run continues the first's chain (kept in dir/chain).
	if heads[1] < heads[0] || second.StartBlock != first.StartBlock {
		t.Errorf("second run's head %d (start block %d), first's %d (%d): the chain did not continue", heads[1], second.StartBlock, heads[0], first.StartBlock)
	}
	if _, _, err := startDevnet(ctx, dir, 6, devchain.Config{Tick: 50 * time.Millisecond}); err == nil || !strings.Contains(err.Error(), "--accounts 5") {
		t.Errorf("restart with more accounts than genesis funded: %v", err)
	}
	if first.Marketplace != second.Marketplace || first.Token != second.Token || first.Deployer != second.Deployer {
		t.Errorf("contracts or deployer differ between runs: %+v / %+v", first, second)
	}
	for i := range first.Accounts {
		a, b := first.Accounts[i], second.Accounts[i]
		want, _ := devKey(uint32(i + 1))
		if a.Address != b.Address || a.PrivateKey != b.PrivateKey || a.Address != crypto.PubkeyToAddress(want.PublicKey) {
			t.Errorf("account %d: %s then %s, want mnemonic account %d", i+1, a.Address, b.Address, i+1)
		}
		if files, _ := os.ReadDir(filepath.Dir(b.KeyFile)); len(files) != 1 {
			t.Errorf("%s holds %d key files after two runs, want 1", filepath.Dir(b.KeyFile), len(files))
		}
	}
	if first.Deployer.Address.Hex() != "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" {
		t.Errorf("deployer %s, want the mnemonic's account 0", first.Deployer.Address)
	}

	var out bytes.Buffer
	printDevnet(&out, dir, 250*time.Millisecond, second)
	p := out.String()
	for _, want := range []string{
		"DEVELOPMENT chain", "private keys DEVELOPMENT ONLY: they are published", second.Accounts[0].PrivateKey,
		"chain time runs 4× wall time", "(a 20 s proof period takes 5s of wall time)",
		"slotd run --roles client --data-dir ./client --api 127.0.0.1:8080 \\\n",
		"slotd run --roles host --data-dir ./host-3 --api 127.0.0.1:8083 \\\n",
		"slotd run --roles validator --data-dir ./validator --api 127.0.0.1:8084 \\\n",
		"--key " + filepath.Join(dir, "keystore-5", "key.json") + " \\\n    --password-file " + second.PasswordFile + " \\\n    --allow-private-providers",
	} {
		if !strings.Contains(p, want) {
			t.Errorf("devnet printout lacks %q:\n%s", want, p)
		}
	}
}
