package node_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/node"
	"github.com/slotd/slotd/persist"
)

// TestSlotLostAlertFromProofRecords: a slot whose proofs were marked
// missing as often as the contract allows before it frees the slot is a
// slot lost: the earnings report counts it and a slot-lost alert is
// raised; a slot with one miss is not. (The records are pruned after a
// day, and the alert goes with them.)
func TestSlotLostAlertFromProofRecords(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, cfg, _, _ := devNode(t, ctx)
	cfg.Roles = []string{node.RoleHost}
	max := int(contracts.DefaultConfig().Collateral.MaxNumberOfSlashes)
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	s, err := persist.Open(filepath.Join(cfg.DataDir, "slotd.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	now := uint64(time.Now().Unix())
	err = s.Update(ctx, func(tx *persist.Tx) error {
		for slot, misses := range map[uint64]int{0: max, 1: 1} {
			for p := range misses {
				if err := tx.PutLedgerProof(persist.LedgerProof{RequestID: persist.ID{0xee, 31: 1}, Index: slot, Period: 100 + uint64(p),
					Status: persist.ProofMissed, Block: 2, Time: now}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	n, err := node.Open(ctx, cfg, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- n.Run(runCtx) }()
	defer func() { stop(); <-done }()

	var earned node.Earnings
	getJSON(t, n.APIURL()+"/api/v1/earnings", &earned)
	if earned.SlotsLost24h != 1 || earned.ProofsMissed24h != max+1 {
		t.Fatalf("earnings: %d slots lost, %d proofs missed; want 1 and %d", earned.SlotsLost24h, earned.ProofsMissed24h, max+1)
	}
	var alerts []node.Alert
	getJSON(t, n.APIURL()+"/api/v1/alerts", &alerts)
	var lost []string
	for _, a := range alerts {
		if a.Kind == "slot-lost" {
			lost = append(lost, a.Message)
		}
	}
	if len(lost) != 1 || !strings.HasPrefix(lost[0], "1 slots were freed from us") {
		t.Fatalf("alerts %+v, want one slot-lost for 1 slot", alerts)
	}
}
