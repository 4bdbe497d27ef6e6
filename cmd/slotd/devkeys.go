package main

import (
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum/crypto"
)

// devMnemonic is the well-known development mnemonic anvil and hardhat
// use: its keys are public, so the devnet's accounts are the same on every
// run and in every tutorial. Never hold real funds with them.
const devMnemonic = "test test test test test test test test test test test junk"

// devKeyPath is BIP-44's Ethereum path, m/44'/60'/0'/0/i.
const devKeyPath = "m/44'/60'/0'/0/%d"

// devKey is account i of devMnemonic (BIP-39 seed, BIP-32 derivation on
// devKeyPath): account 0 is anvil's 0xf39F…2266.
func devKey(i uint32) (*ecdsa.PrivateKey, error) {
	seed, err := bip39Seed(devMnemonic, "")
	if err != nil {
		return nil, err
	}
	return deriveBIP32(seed, []uint32{44 | hardened, 60 | hardened, 0 | hardened, 0, i})
}

const hardened = 1 << 31

// bip39Seed is PBKDF2-HMAC-SHA512(mnemonic, "mnemonic"+passphrase, 2048
// rounds, 64 bytes). BIP-39 normalises both to NFKD first, which leaves
// ASCII as it is; the words' checksum is not checked: the one mnemonic
// used is fixed.
func bip39Seed(mnemonic, passphrase string) ([]byte, error) {
	m := strings.Join(strings.Fields(mnemonic), " ")
	return pbkdf2.Key(sha512.New, m, []byte("mnemonic"+passphrase), 2048, 64)
}

// deriveBIP32 walks path from seed's master key (BIP-32, secp256k1).
func deriveBIP32(seed []byte, path []uint32) (*ecdsa.PrivateKey, error) {
	mac := hmac.New(sha512.New, []byte("Bitcoin seed"))
	mac.Write(seed)
	I := mac.Sum(nil)
	k, chain := new(big.Int).SetBytes(I[:32]), I[32:]
	n := crypto.S256().Params().N
	for _, idx := range path {
		var data []byte
		if idx >= hardened {
			data = append([]byte{0}, k.FillBytes(make([]byte, 32))...)
		} else {
			priv, err := crypto.ToECDSA(k.FillBytes(make([]byte, 32)))
			if err != nil {
				return nil, err
			}
			data = crypto.CompressPubkey(&priv.PublicKey)
		}
		data = binary.BigEndian.AppendUint32(data, idx)
		mac := hmac.New(sha512.New, chain)
		mac.Write(data)
		I := mac.Sum(nil)
		il := new(big.Int).SetBytes(I[:32])
		if il.Cmp(n) >= 0 {
			return nil, fmt.Errorf("bip32: index %d gives an invalid key; use the next", idx)
		}
		k = il.Add(il, k).Mod(il, n)
		if k.Sign() == 0 {
			return nil, errors.New("bip32: derived key is zero")
		}
		chain = I[32:]
	}
	return crypto.ToECDSA(k.FillBytes(make([]byte, 32)))
}
