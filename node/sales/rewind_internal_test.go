package sales

import (
	"context"
	"math/big"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/hashicorp/go-hclog"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/persist"
)

// hostMarket is a Market that knows only its account.
type hostMarket struct {
	Market
	me common.Address
}

func (m hostMarket) Account() common.Address { return m.me }

// TestProofThatLandedInThePeriodBeforeIsSentAgain: the proof of period
// 833 is mined after a reorganisation whose new branch is stamped earlier,
// in period 832, where it proves that one (campaign seed 30762800839641:
// a depth-3 anvil reorg, and the validator marked 833 missing though the
// host was up all period). When 833 comes again the host proves it anew,
// under a purpose of its own. The old scheduler took the proof in 832 for
// 832's and forgot it had sent 833's, so in 833 it sent nothing new: the
// purpose of 833's proof had a mined record already.
func TestProofThatLandedInThePeriodBeforeIsSentAgain(t *testing.T) {
	store, err := persist.Open(filepath.Join(t.TempDir(), "slotd.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	me, slot := common.Address{0xaa}, contracts.SlotID{0x4a}
	id := persist.ID(slot)
	s := &Sales{cfg: Config{Store: store, Market: hostMarket{me: me}}, log: hclog.NewNullLogger()}
	proofs := contracts.ProofConfig{Period: 10, Timeout: 5, DowntimeProduct: 1}
	sc := newScheduler(s, &effects{}, proofs, 10)
	const period = 833
	sent := proofPurpose(slot, period)
	sc.slots[id] = &provingSlot{probability: big.NewInt(1), read: true, sent: period + 1, purpose: sent}
	clockAt := func(p uint64) contracts.ProofClock {
		return contracts.ProofClock{Proofs: proofs, Block: p, Time: p * proofs.Period, Hash: func(uint64) common.Hash { return common.Hash{} }}
	}
	ctx := context.Background()

	// Block 47 is stamped in period 832, and our proof of 833 is in it.
	err = store.Update(ctx, func(tx *persist.Tx) error {
		return tx.PutTxRecord(persist.TxRecord{Purpose: sent, Status: persist.TxMined, Block: 47, Sent: time.Now(), Settled: time.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
	held := []persist.ID{id}
	sc.recheckSent(held, period-1)
	if _, ok := sc.judge(ctx, persist.Head{Number: 47}, clockAt(period-1), clockAt(period-1), id,
		contracts.SlotStatus{State: uint8(contracts.SlotStateFilled), Host: me, ProofReceived: true}); ok {
		t.Fatal("a proof is due in 832, which the chain has proven")
	}

	// Period 833 again: the chain has no proof of it and asks for one.
	sc.recheckSent(held, period)
	d, ok := sc.judge(ctx, persist.Head{Number: 48}, clockAt(period), clockAt(period), id,
		contracts.SlotStatus{State: uint8(contracts.SlotStateFilled), Host: me, ProofRequired: true})
	if !ok || d.period != period {
		t.Fatalf("in 833 again: due %+v (%v), want the proof of 833", d, ok)
	}
	if p := sc.purposeOf(d); p == sent || !strings.HasPrefix(p, sent+".") {
		t.Fatalf("833's proof goes out as %q: the tx manager sends nothing for %q, which is mined", p, sent)
	}
}
