package sales

import (
	"context"
	"errors"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/slotd/slotd/contracts"
	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/node/datastore"
	"github.com/slotd/slotd/retry"
)

// endedOnAnotherBranch reads the request as Finished while the chain
// still runs it: the host read the state on a block that a reorganisation
// replaced with one stamped earlier, before the request's end.
type endedOnAnotherBranch struct{ Market }

func (endedOnAnotherBranch) RequestState(context.Context, contracts.RequestID) (contracts.RequestState, error) {
	return contracts.RequestStateFinished, nil
}

// TestPayoutBeforeTheEndKeepsTheSlot: a payout sent on a stale view of
// the request's end is refused and retried; the slot stays ours and its
// collateral with it. The old code's freeSlot gave the running slot up
// (campaign seed 16: two hosts' payouts landed before the end after a
// reorganisation set the chain's time back, the request failed and
// nobody was paid).
func TestPayoutBeforeTheEndKeepsTheSlot(t *testing.T) {
	env := ct.NewEnv(t, ct.TestConfig())
	const size = 2048
	ds := ct.NewDataset(t, 6, 3, size)
	id, _ := env.Request(ds, env.Ask(3, 1, size))
	for i, h := range env.Hosts {
		env.MustFill(h, id, uint64(i), ds)
	}
	slot := contracts.GetSlotID(id, 0)
	data, err := datastore.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	e := &effects{market: endedOnAnotherBranch{env.Hosts[0].M}, data: data, log: hclog.NewNullLogger()}

	_, err = e.payout(context.Background(), id, slot)
	if !errors.Is(err, contracts.ErrRequestNotEnded) || retry.IsFinal(err) {
		t.Fatalf("payout before the end: %v, want ErrRequestNotEnded to retry", err)
	}
	if s, _ := env.Client.M.SlotState(env.Ctx, slot); s != contracts.SlotStateFilled {
		t.Fatalf("slot %s after a payout before the end, want Filled", s)
	}
	if h, _ := env.Client.M.GetHost(env.Ctx, slot); h != env.Hosts[0].Addr {
		t.Fatalf("slot held by %s, want host 0 still", h)
	}
}
