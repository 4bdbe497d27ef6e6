// Package keys manages a node's one signing key in go-ethereum's keystore
// format: an encrypted JSON file unlocked by a password file. The key never
// leaves this package in text form and is never logged.
package keys

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/ethereum/go-ethereum/accounts/keystore"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// Strength is the keystore's scrypt cost; tests use Light.
type Strength int

const (
	Standard Strength = iota
	Light
)

func (s Strength) params() (n, p int) {
	if s == Light {
		return keystore.LightScryptN, keystore.LightScryptP
	}
	return keystore.StandardScryptN, keystore.StandardScryptP
}

// ErrPassword is a password file that cannot unlock the key.
var ErrPassword = errors.New("wrong password for key file")

// ReadPassword reads a password file; a trailing newline is not part of it.
func ReadPassword(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read password file: %w", err)
	}
	pw := strings.TrimRight(string(b), "\r\n")
	if pw == "" {
		return "", fmt.Errorf("password file %s is empty: put a password in it", path)
	}
	return pw, nil
}

// New makes a new key, encrypts it with the password in passwordFile and
// writes it into dir. It returns the address and the key file's path.
func New(dir, passwordFile string, s Strength) (common.Address, string, error) {
	key, err := crypto.GenerateKey()
	if err != nil {
		return common.Address{}, "", fmt.Errorf("generate key: %w", err)
	}
	return Save(dir, passwordFile, key, s)
}

// Import encrypts an existing private key (a file holding it as hex) into dir.
func Import(dir, hexKeyFile, passwordFile string, s Strength) (common.Address, string, error) {
	b, err := os.ReadFile(hexKeyFile)
	if err != nil {
		return common.Address{}, "", fmt.Errorf("read key file: %w", err)
	}
	key, err := crypto.HexToECDSA(strings.TrimPrefix(strings.TrimSpace(string(b)), "0x"))
	if err != nil {
		return common.Address{}, "", fmt.Errorf("key file %s does not hold a hex private key: %w", hexKeyFile, err)
	}
	return Save(dir, passwordFile, key, s)
}

// Save encrypts key with the password in passwordFile into dir and returns
// its address and the key file's path.
func Save(dir, passwordFile string, key *ecdsa.PrivateKey, s Strength) (common.Address, string, error) {
	pw, err := ReadPassword(passwordFile)
	if err != nil {
		return common.Address{}, "", err
	}
	n, p := s.params()
	ks := keystore.NewKeyStore(dir, n, p)
	acct, err := ks.ImportECDSA(key, pw)
	if err != nil {
		return common.Address{}, "", fmt.Errorf("store key in %s: %w", dir, err)
	}
	return acct.Address, acct.URL.Path, nil
}

// Load decrypts a keystore file with the password in passwordFile.
func Load(keyFile, passwordFile string) (*ecdsa.PrivateKey, error) {
	pw, err := ReadPassword(passwordFile)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("read key file: %w", err)
	}
	k, err := keystore.DecryptKey(b, pw)
	if errors.Is(err, keystore.ErrDecrypt) {
		return nil, fmt.Errorf("%w %s (check --password-file)", ErrPassword, keyFile)
	}
	if err != nil {
		return nil, fmt.Errorf("key file %s is not a keystore file: %w", keyFile, err)
	}
	return k.PrivateKey, nil
}
