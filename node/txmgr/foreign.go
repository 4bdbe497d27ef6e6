package txmgr

import (
	"context"
	"fmt"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/slotd/slotd/persist"
)

// signerOf recovers the account that signed rec; ok is false when its
// bytes do not decode or verify. Records name their sender since it
// costs a signature recovery each, a second at a host's restart; this is
// for records written before.
func signerOf(rec persist.TxRecord) (common.Address, bool) {
	tx := new(types.Transaction)
	if err := tx.UnmarshalBinary(rec.Raw); err != nil || tx.ChainId() == nil {
		return common.Address{}, false
	}
	from, err := types.Sender(types.LatestSignerForChainID(tx.ChainId()), tx)
	return from, err == nil
}

// foreign: rec was signed by another key than the manager's (the node was
// restarted with a new key). Its nonce is another account's, so it must
// never be bumped, waited on or counted in this account's nonces.
func (m *Manager) foreign(rec persist.TxRecord) bool {
	from, ok := senderOf(rec)
	return ok && from != m.from
}

// senderOf is the account that signed rec: the one it names, else the
// one its signature gives (ok false if neither).
func senderOf(rec persist.TxRecord) (common.Address, bool) {
	if rec.From != (persist.Address{}) {
		return common.Address(rec.From), true
	}
	return signerOf(rec)
}

// settleForeign settles the pending records a previous key signed: by
// receipt (mined or failed, as the chain says), else abandoned, so nobody
// waits on a nonce this account never reaches, and a later Send of the
// purpose signs anew with this key. Each record is handled under its
// purpose's lock. It logs one line with the counts.
func (m *Manager) settleForeign(ctx context.Context, purposes []string) error {
	if len(purposes) == 0 {
		return nil
	}
	var mined, failed, abandoned int
	olds := map[common.Address]bool{}
	for _, p := range purposes {
		st, from, err := m.settleForeign1(ctx, p)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		olds[from] = true
		switch st {
		case persist.TxMined:
			mined++
		case persist.TxFailed:
			failed++
		case persist.TxAbandoned:
			abandoned++
		}
	}
	accounts := make([]string, 0, len(olds))
	for a := range olds {
		accounts = append(accounts, a.Hex())
	}
	m.log.Warn("pending transactions of the previous signing key reconciled: mined ones settled, the rest abandoned (their purposes are sent anew with this key)",
		"account", m.from, "previous", accounts, "mined", mined, "failed", failed, "abandoned", abandoned)
	return nil
}

func (m *Manager) settleForeign1(ctx context.Context, purpose string) (string, common.Address, error) {
	unlock := m.purposes.lock(purpose)
	defer unlock()
	rec, err := m.record(purpose)
	if err != nil {
		return "", common.Address{}, err
	}
	from, _ := senderOf(rec)
	if rec.Status != persist.TxPending || !m.foreign(rec) {
		return "", from, nil
	}
	rc, hash, err := m.receipt(ctx, &rec)
	if err != nil {
		return "", from, err
	}
	rec.Settled = time.Now().UTC()
	switch {
	case rc == nil:
		rec.Status = persist.TxAbandoned
		m.log.Info("transaction of the previous key abandoned", "purpose", purpose, "from", from, "nonce", rec.Nonce, "hash", common.Hash(rec.Hash))
	case rc.Status == types.ReceiptStatusSuccessful:
		rec.Status, rec.Block = persist.TxMined, rc.BlockNumber.Uint64()
	default:
		rec.Status, rec.Block = persist.TxFailed, rc.BlockNumber.Uint64()
	}
	if rc != nil {
		m.log.Info("transaction of the previous key mined", "purpose", purpose, "from", from, "hash", hash, "status", rec.Status)
	}
	if err := m.put(ctx, rec); err != nil {
		return "", from, err
	}
	m.settled(&rec)
	return rec.Status, from, nil
}
