package fsm

import (
	"sync"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/slotd/slotd/persist"
)

// onInfo is a logger that runs fn, once, when msg is first logged at Info:
// a way into the middle of Restore.
type onInfo struct {
	hclog.Logger
	msg  string
	once sync.Once
	fn   func()
}

func (l *onInfo) Info(msg string, args ...any) {
	if msg == l.msg {
		l.once.Do(l.fn)
	}
	l.Logger.Info(msg, args...)
}

// TestStartWhileRestoringIsRefused: a second Start while the first is
// still restoring the stored agents is refused, and the first Start runs
// every restored agent. (Before, the second found Restore under way and
// the registry not yet running, took the registry with no agent loaded,
// and the first failed as "called twice" after loading them: the restored
// agents were never driven.)
func TestStartWhileRestoringIsRefused(t *testing.T) {
	s := openStore(t, false)
	av := addAvail(t, s, 1<<20)
	slot := slotOf(reqN(5), 0)
	storeAgentAt(t, s, av, slot, reqN(5), pathTo(Downloading)...)
	// A reservation no agent holds: Restore releases it and says so in
	// the middle of its work, before it loads the agents.
	mustUpdate(t, s, func(tx *persist.Tx) error { return tx.Reserve(av, slotOf(reqN(6), 0), 10) })

	fx := newScript(blockIn(live...))
	var second error
	hook := &onInfo{Logger: hclog.NewNullLogger(), msg: "released reservations no live agent holds"}
	r := newAgents(t, s, fx, func(o *Options) { o.Logger = hook })
	hook.fn = func() { second = r.Start(bg) }
	first := r.Start(bg)
	t.Cleanup(r.Stop)
	if first != nil || second == nil {
		t.Fatalf("first Start: %v, second Start while restoring: %v; want the second refused", first, second)
	}
	fx.waitCall(t, slot, Downloading)
}
