package main

import (
	"encoding/hex"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"
)

// TestDevKeysAreAnvils: the devnet's accounts are the ones anvil and
// hardhat print for the "test … junk" mnemonic, so they are the same on
// every run and match what tutorials show.
func TestDevKeysAreAnvils(t *testing.T) {
	for i, want := range []struct{ addr, key string }{
		{"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"},
		{"0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"},
		{"0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", "5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"},
	} {
		k, err := devKey(uint32(i))
		if err != nil {
			t.Fatal(err)
		}
		if got := crypto.PubkeyToAddress(k.PublicKey).Hex(); got != want.addr {
			t.Errorf("account %d: %s, want %s", i, got, want.addr)
		}
		if got := hex.EncodeToString(crypto.FromECDSA(k)); got != want.key {
			t.Errorf("account %d key: %s, want %s", i, got, want.key)
		}
	}
}
