package node

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/persist"
)

// reorgNotice is a chain subscriber that tells the tx manager when the
// ingestor rolled back: a rollback moves the committed head below the one
// before it. The tx manager then revives its reorganised-out transactions
// at once; a provider that does not return them to its pool (anvil) would
// otherwise leave a nonce gap, with every later proof behind it, until
// the manager's next periodic look.
type reorgNotice struct {
	notify func()

	mu   sync.Mutex
	last uint64
	seen bool
}

func (r *reorgNotice) Prepare(context.Context, []contracts.Event, bool) (any, error) { return nil, nil }

func (r *reorgNotice) Apply(*persist.Tx, persist.BlockRef, []contracts.Event, any) error { return nil }

func (r *reorgNotice) Revert(*persist.Tx, persist.BlockRef, []contracts.Event, any) error { return nil }

func (r *reorgNotice) Committed(head persist.Head) {
	r.mu.Lock()
	back := r.seen && head.Number < r.last
	r.last, r.seen = head.Number, true
	r.mu.Unlock()
	if back {
		r.notify()
	}
}

// mustHappen are the purposes the tx manager sends anew when a
// reorganisation took out their success and they revert where they land
// again (txmgr.Config.Resend): a payout and a client's withdrawal, whose
// senders ended on the first success, and a proof, which the chain
// accepts again only while it is due.
func mustHappen(purpose string) bool {
	for _, p := range []string{"free:", "withdraw:", "proof:"} {
		if strings.HasPrefix(purpose, p) {
			return true
		}
	}
	return false
}

// endsLater: a payout or a withdrawal that a reorganisation moved into a
// block stamped before its request's end is refused there until the
// chain's time passes the end again (txmgr.Config.NotYet).
func endsLater(err error) bool { return errors.Is(err, contracts.ErrRequestNotEnded) }

// settledByLog: a proof's tx record is settled from its ProofSubmitted
// log, a validator's mark from its ProofMarkedMissing log
// (txmgr.Config.LogConfirmed).
func settledByLog(purpose string) bool {
	return strings.HasPrefix(purpose, "proof:") || strings.HasPrefix(purpose, "mark:")
}
