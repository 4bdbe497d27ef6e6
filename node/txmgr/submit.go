package txmgr

import (
	"context"
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/persist"
)

// Call is one transaction for SubmitAll.
type Call struct {
	Purpose string
	To      *common.Address
	Data    []byte
	// Gas, if set, is the gas limit to sign with, and the call is not
	// estimated: for a caller that has just read the chain's verdict on it
	// some other way (the validator's status read says which marks the
	// contract accepts) and would otherwise pay one eth_estimateGas per
	// call for the same answer. A limit too low makes the transaction fail
	// on chain, paying for the gas it used.
	Gas uint64
}

// Estimate is the gas limit the manager would sign c with: the chain's
// estimate plus Config.GasMarginPercent. A call the chain refuses returns
// its decoded contract error. c.Gas is ignored.
func (m *Manager) Estimate(ctx context.Context, c Call) (uint64, error) {
	return m.estimate(ctx, c.To, c.Data)
}

func (m *Manager) estimate(ctx context.Context, to *common.Address, data []byte) (uint64, error) {
	gas, err := m.cfg.Client.EstimateGas(ctx, ethereum.CallMsg{From: m.from, To: to, Data: data})
	if err != nil {
		return 0, fmt.Errorf("estimate gas: %w", contracts.DecodeCallError(err))
	}
	return gas + gas*uint64(m.cfg.GasMarginPercent)/100, nil
}

// SubmitAll sends every call whose purpose has no record yet (or only a
// replaced one), and returns without waiting for any receipt: each is
// persisted before it is broadcast, and the background loop tends it as
// it tends every pending record (rebroadcast, fee bump, settlement). The
// fees and the nonce are read once for all the calls; each call's gas is
// estimated (unless Call.Gas sets it), so a call the chain would refuse
// now (a stale proof) is not sent and its error, decoded, is in errs at
// its index. A purpose that
// has a record already is left to it: errs is nil there.
//
// Unlike Send, nothing blocks on mining: a caller with many transactions
// at once (the proving scheduler, once per block) holds no goroutine per
// transaction.
func (m *Manager) SubmitAll(ctx context.Context, calls []Call) (errs []error) {
	errs = make([]error, len(calls))
	m.mu.Lock()
	started := m.started
	m.mu.Unlock()
	if !started {
		for i := range errs {
			errs[i] = ErrNotStarted
		}
		return errs
	}
	var quote *feeQuote
	for i, c := range calls {
		if ctx.Err() != nil {
			errs[i] = ctx.Err()
			continue
		}
		if c.Purpose == "" {
			errs[i] = errors.New("txmgr: empty purpose")
			continue
		}
		unlock := m.purposes.lock(c.Purpose)
		rec, err := m.record(c.Purpose)
		switch {
		case err == nil && rec.Status != persist.TxReplaced:
			unlock()
			continue // sent already; the loop looks after it
		case err != nil && !errors.Is(err, persist.ErrNotFound):
			unlock()
			errs[i] = fmt.Errorf("%s: %w", c.Purpose, err)
			continue
		}
		if quote == nil {
			q, err := m.readFees(ctx)
			if err != nil {
				unlock()
				for j := i; j < len(calls); j++ {
					errs[j] = fmt.Errorf("%s: %w", calls[j].Purpose, err)
				}
				return errs
			}
			quote = &q
		}
		rec, err = m.createWith(ctx, *quote, c.Purpose, c.To, c.Data, c.Gas)
		if err != nil {
			unlock()
			errs[i] = fmt.Errorf("%s: %w", c.Purpose, err)
			continue
		}
		m.send1(ctx, &rec)
		unlock()
	}
	return errs
}
