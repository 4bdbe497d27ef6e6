package node_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/hashicorp/go-hclog"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/node"
	"github.com/slotd/slotd/node/devchain"
	"github.com/slotd/slotd/node/keys"
	"github.com/slotd/slotd/persist"
)

// A data dir restarted with another --key is refused, saying what to do;
// with --allow-new-key the old key's pending transactions are settled (the
// mined one) or abandoned (the one at a nonce the old account never
// reached), and the node's next transactions are the new key's, at its
// own nonces: a request goes through instead of waiting behind them.
func TestNewKeyOnAnOldDataDir(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	chain, cfg, addrA, dep := devNode(t, ctx)
	n, err := node.Open(ctx, cfg, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	n.Close()

	keyA, err := keys.Load(cfg.KeyFile, cfg.PasswordFile)
	if err != nil {
		t.Fatal(err)
	}
	keyB, _ := crypto.GenerateKey()
	addrB := crypto.PubkeyToAddress(keyB.PublicKey)
	sA, _ := contracts.NewKeySender(ctx, chain.Client(), keyA)
	fund(t, ctx, chain, keyA, addrB)
	rc, err := sA.Send(ctx, "mint", &dep.Token, mintData(addrB))
	if err != nil {
		t.Fatal(err)
	}
	minted, _, err := chain.Client().TransactionByHash(ctx, rc.TxHash)
	if err != nil {
		t.Fatal(err)
	}
	nonceA, _ := chain.Client().PendingNonceAt(ctx, addrA)
	stuck := signTx(t, ctx, chain, keyA, nonceA+3, dep.Token) // a gap: never mined
	// What a node with key A left behind: a mint mined while it was down,
	// and an approve stuck at a nonce only A could reach.
	s, err := persist.Open(filepath.Join(cfg.DataDir, "slotd.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(tx *persist.Tx) error {
		for purpose, signed := range map[string]*types.Transaction{"mint:old": minted, "approve:request:old": stuck} {
			if err := tx.PutTxRecord(pendingRecord(t, purpose, signed)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	dir := filepath.Dir(cfg.KeyFile)
	_, keyFileB, err := keys.Save(dir, cfg.PasswordFile, keyB, keys.Light)
	if err != nil {
		t.Fatal(err)
	}
	cfgB := cfg
	cfgB.KeyFile = keyFileB
	_, err = node.Open(ctx, cfgB, hclog.NewNullLogger())
	if !errors.Is(err, node.ErrNewKey) || !strings.Contains(err.Error(), "--allow-new-key") ||
		!strings.Contains(err.Error(), strings.ToLower(addrA.Hex())) || !strings.Contains(err.Error(), strings.ToLower(addrB.Hex())) {
		t.Fatalf("open with another key: %v, want %v naming both accounts and --allow-new-key", err, node.ErrNewKey)
	}

	cfgB.AllowNewKey = true
	var logs syncBuffer
	nb, err := node.Open(ctx, cfgB, hclog.New(&hclog.LoggerOptions{Output: &logs, Level: hclog.Info}))
	if err != nil {
		t.Fatalf("open with --allow-new-key: %v", err)
	}
	runCtx, stop := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- nb.Run(runCtx) }()
	stopNode := func() { stop(); <-ran; nb.Close() }
	defer func() {
		if nb != nil {
			stopNode()
		}
	}()
	base := nb.APIURL()
	tokb, _ := os.ReadFile(filepath.Join(cfgB.DataDir, "api-token"))
	tok := strings.TrimSpace(string(tokb))
	code, out := call(t, "POST", base+"/api/v1/datasets?slots=2&maxSlotLoss=1", tok, bytes.NewReader(bytes.Repeat([]byte("slotd"), 1000)))
	if code != http.StatusCreated {
		t.Fatalf("upload: %d %s", code, out)
	}
	var man struct{ CID string }
	json.Unmarshal([]byte(out), &man)
	body := `{"cid":"` + man.CID + `","duration":600,"expiry":300,"proofProbability":"1","pricePerBytePerSecond":"1","collateralPerByte":"0"}`
	reqCtx, done := context.WithTimeout(ctx, 30*time.Second)
	defer done()
	req, _ := http.NewRequestWithContext(reqCtx, "POST", base+"/api/v1/purchases", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("request with the new key: %v (its transactions wait behind the old key's nonces)\n%s", err, &logs)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("request with the new key: %s\n%s", resp.Status, &logs)
	}
	if got, _ := chain.Client().NonceAt(ctx, addrB, nil); got != 2 {
		t.Errorf("new key's nonce after approve and request: %d, want 2", got)
	}
	if !strings.Contains(logs.String(), "mined=1") || !strings.Contains(logs.String(), "abandoned=1") ||
		!strings.Contains(logs.String(), "previous key") {
		t.Errorf("no log line with the counts of the previous key's transactions:\n%s", &logs)
	}
	stopNode()
	nb = nil

	s, err = persist.Open(filepath.Join(cfg.DataDir, "slotd.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.View(func(tx *persist.Tx) error {
		return tx.ForEachTxRecord(func(r persist.TxRecord) error {
			from := senderOf(t, r)
			switch {
			case r.Purpose == "mint:old":
				if r.Status != persist.TxMined {
					t.Errorf("the old key's mined transaction: %s, want mined", r.Status)
				}
			case from == addrA:
				if r.Status != persist.TxAbandoned {
					t.Errorf("%s of the old key: %s, want abandoned", r.Purpose, r.Status)
				}
			case from != addrB || r.Status != persist.TxMined:
				t.Errorf("%s: from %s, %s; want mined from the new key %s", r.Purpose, from, r.Status, addrB)
			}
			return nil
		})
	})
	if acct, _ := viewAccount(s); acct != strings.ToLower(addrB.Hex()) {
		t.Errorf("store's account %s, want %s", acct, addrB)
	}
}

func viewAccount(s *persist.Store) (string, error) {
	var a string
	err := s.View(func(tx *persist.Tx) error {
		var err error
		a, err = tx.Account()
		return err
	})
	return a, err
}

func mintData(to common.Address) []byte {
	// mint(address,uint256)
	sel := crypto.Keccak256([]byte("mint(address,uint256)"))[:4]
	amt := new(big.Int).Lsh(big.NewInt(1), 100)
	return append(append(sel, common.LeftPadBytes(to.Bytes(), 32)...), common.LeftPadBytes(amt.Bytes(), 32)...)
}

func fund(t *testing.T, ctx context.Context, chain *devchain.Chain, from *ecdsa.PrivateKey, to common.Address) {
	t.Helper()
	c := chain.Client()
	id, _ := c.ChainID(ctx)
	nonce, _ := c.PendingNonceAt(ctx, crypto.PubkeyToAddress(from.PublicKey))
	tx, err := types.SignNewTx(from, types.LatestSignerForChainID(id), &types.DynamicFeeTx{ChainID: id, Nonce: nonce,
		GasTipCap: big.NewInt(1e9), GasFeeCap: big.NewInt(100e9), Gas: 21000, To: &to, Value: new(big.Int).Lsh(big.NewInt(1), 70)})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SendTransaction(ctx, tx); err != nil {
		t.Fatal(err)
	}
	for {
		if rc, err := c.TransactionReceipt(ctx, tx.Hash()); err == nil && rc.Status == 1 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatal("funding the new key was not mined")
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func signTx(t *testing.T, ctx context.Context, chain *devchain.Chain, key *ecdsa.PrivateKey, nonce uint64, to common.Address) *types.Transaction {
	t.Helper()
	id, _ := chain.Client().ChainID(ctx)
	tx, err := types.SignNewTx(key, types.LatestSignerForChainID(id), &types.DynamicFeeTx{ChainID: id, Nonce: nonce,
		GasTipCap: big.NewInt(1e9), GasFeeCap: big.NewInt(100e9), Gas: 100000, To: &to})
	if err != nil {
		t.Fatal(err)
	}
	return tx
}

func pendingRecord(t *testing.T, purpose string, tx *types.Transaction) persist.TxRecord {
	t.Helper()
	raw, err := tx.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return persist.TxRecord{Purpose: purpose, Nonce: tx.Nonce(), Hash: persist.ID(tx.Hash()), Raw: raw, To: persist.Address(*tx.To()),
		Value: tx.Value(), GasFeeCap: tx.GasFeeCap(), GasTipCap: tx.GasTipCap(), Status: persist.TxPending, Sent: time.Now().UTC()}
}

func senderOf(t *testing.T, r persist.TxRecord) common.Address {
	t.Helper()
	tx := new(types.Transaction)
	if err := tx.UnmarshalBinary(r.Raw); err != nil {
		t.Fatal(err)
	}
	from, err := types.Sender(types.LatestSignerForChainID(tx.ChainId()), tx)
	if err != nil {
		t.Fatal(err)
	}
	return from
}
