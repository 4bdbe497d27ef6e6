package txmgr

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/persist"
)

// receipt finds the receipt of whichever of rec's signings was mined.
func (m *Manager) receipt(ctx context.Context, rec *persist.TxRecord) (*types.Receipt, common.Hash, error) {
	return Receipt(ctx, m.cfg.Client, rec)
}

// ReceiptReader is the part of a client Receipt reads.
type ReceiptReader interface {
	TransactionReceipt(ctx context.Context, hash common.Hash) (*types.Receipt, error)
}

// Receipt finds the receipt of whichever of rec's signings (its hash, and
// the ones a fee bump superseded) was mined; their shared nonce lets at
// most one be. No receipt is (nil, zero, nil); errors other than "not
// found" are returned.
func Receipt(ctx context.Context, c ReceiptReader, rec *persist.TxRecord) (*types.Receipt, common.Hash, error) {
	hashes := append([]persist.ID{rec.Hash}, rec.Previous...)
	for _, h := range hashes {
		rc, err := c.TransactionReceipt(ctx, common.Hash(h))
		if errors.Is(err, ethereum.NotFound) {
			continue
		}
		if err != nil {
			return nil, common.Hash{}, fmt.Errorf("receipt of %s: %w", common.Hash(h), err)
		}
		return rc, common.Hash(h), nil
	}
	return nil, common.Hash{}, nil
}

// minedNonce is the account's nonce NonceDepth blocks below the head.
// Callers read it before the receipts they check against it: if the nonce
// had moved past a record's NonceDepth blocks ago and still none of the
// record's hashes has a receipt, the nonce went to a transaction that is
// not ours. A value read earlier can only be lower, which only delays that
// verdict: so a read less than one PollInterval old is reused.
func (m *Manager) minedNonce(ctx context.Context) (uint64, error) {
	m.minedMu.Lock()
	if !m.minedAt.IsZero() && time.Since(m.minedAt) < m.cfg.PollInterval {
		defer m.minedMu.Unlock()
		return m.minedLast, nil
	}
	m.minedMu.Unlock()
	read := time.Now()
	mined, err := m.readMinedNonce(ctx)
	if err != nil {
		return 0, err
	}
	m.minedMu.Lock()
	if read.After(m.minedAt) {
		m.minedAt, m.minedLast = read, mined
	}
	m.minedMu.Unlock()
	return mined, nil
}

func (m *Manager) readMinedNonce(ctx context.Context) (uint64, error) {
	head, err := m.cfg.Client.HeaderByNumber(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("head: %w", err)
	}
	at := new(big.Int).Sub(head.Number, new(big.Int).SetUint64(m.cfg.NonceDepth))
	if at.Sign() < 0 {
		at.SetInt64(0)
	}
	mined, err := m.cfg.Client.NonceAt(ctx, m.from, at)
	if err != nil {
		return 0, fmt.Errorf("nonce: %w", err)
	}
	m.minedMu.Lock()
	m.head = max(m.head, head.Number.Uint64())
	m.minedMu.Unlock()
	return mined, nil
}

// outcome is nil for a successful receipt, else the decoded revert.
func (m *Manager) outcome(ctx context.Context, rec *persist.TxRecord, hash common.Hash, rc *types.Receipt) error {
	if rc.Status == types.ReceiptStatusSuccessful {
		return nil
	}
	return fmt.Errorf("tx %s reverted: %w", hash, m.revertReason(ctx, rec, rc))
}

// revertReason replays a reverted transaction as a call in its block.
func (m *Manager) revertReason(ctx context.Context, rec *persist.TxRecord, rc *types.Receipt) error {
	tx := new(types.Transaction)
	if err := tx.UnmarshalBinary(rec.Raw); err != nil {
		return contracts.ErrReverted
	}
	_, err := m.cfg.Client.CallContract(ctx, ethereum.CallMsg{From: m.from, To: tx.To(), Data: tx.Data(), Value: tx.Value()}, rc.BlockNumber)
	if err == nil {
		return contracts.ErrReverted // e.g. out of gas: the call has more
	}
	var de interface{ ErrorData() any }
	if !errors.As(err, &de) {
		return contracts.ErrReverted
	}
	return contracts.DecodeCallError(err)
}
