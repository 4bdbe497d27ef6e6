package node

import (
	"testing"

	"github.com/slotd/slotd/persist"
)

// TestRollbackTellsTheTxManager: the ingestor's rollback (the committed
// head moving below the one before) pokes the tx manager, once per
// rollback; heads moving on do not.
func TestRollbackTellsTheTxManager(t *testing.T) {
	pokes := 0
	r := &reorgNotice{notify: func() { pokes++ }}
	for _, n := range []uint64{10, 10, 11, 12, 9, 10, 11, 11, 7} {
		r.Committed(persist.Head{Number: n})
	}
	if pokes != 2 {
		t.Fatalf("%d pokes for 2 rollbacks", pokes)
	}
}
