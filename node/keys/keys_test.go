package keys

import (
	"crypto/ecdsa"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"
)

func TestNewImportLoad(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte("hunter2\n"), 0o600)
	addr, file, err := New(filepath.Join(dir, "ks"), pw, Light)
	if err != nil {
		t.Fatal(err)
	}
	k, err := Load(file, pw)
	if err != nil || crypto.PubkeyToAddress(k.PublicKey) != addr {
		t.Fatalf("load: %v", err)
	}
	bad := filepath.Join(dir, "bad")
	os.WriteFile(bad, []byte("wrong"), 0o600)
	if _, err := Load(file, bad); !errors.Is(err, ErrPassword) {
		t.Fatalf("wrong password: %v", err)
	}
	if raw, _ := os.ReadFile(file); strings.Contains(string(raw), hexKey(k)) {
		t.Fatal("key file holds the private key in clear")
	}

	hexFile := filepath.Join(dir, "hex")
	os.WriteFile(hexFile, []byte("0x"+hexKey(k)+"\n"), 0o600)
	addr2, _, err := Import(filepath.Join(dir, "ks2"), hexFile, pw, Light)
	if err != nil || addr2 != addr {
		t.Fatalf("import: %s %v", addr2, err)
	}
	os.WriteFile(hexFile, []byte("nonsense"), 0o600)
	if _, _, err := Import(filepath.Join(dir, "ks3"), hexFile, pw, Light); err == nil {
		t.Fatal("imported nonsense")
	}
	os.WriteFile(pw, nil, 0o600)
	if _, _, err := New(dir, pw, Light); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Fatalf("empty password: %v", err)
	}
}

func hexKey(k *ecdsa.PrivateKey) string { return hex.EncodeToString(crypto.FromECDSA(k)) }
