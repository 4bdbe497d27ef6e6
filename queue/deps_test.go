package queue_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestQueueLinksNothingOfTheChain: the queue holds slots keyed by store
// ids; the sales engine turns the chain's events into them. Neither the
// chain's vocabulary nor go-ethereum may come back in through it.
func TestQueueLinksNothingOfTheChain(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH")
	}
	out, err := exec.Command(goTool, "list", "-deps", "github.com/slotd/slotd/queue").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/ethereum/go-ethereum") || strings.HasPrefix(dep, "github.com/slotd/slotd/contracts") {
			t.Errorf("queue links %s", dep)
		}
	}
}
