package marketplace_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The leaf, and the agents built on it, must not link a chain client:
// that is what keeps them cheap to build, test and change. The queue
// holds slots keyed by store ids (the sales engine turns the chain's
// events into them), so it links nothing of the chain at all.
func TestLeafLinksNoChainClient(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH")
	}
	client := []string{"github.com/ethereum/go-ethereum/rpc", "github.com/slotd/slotd/contracts/bindings", "github.com/slotd/slotd/contracts"}
	for _, c := range []struct {
		pkg    string
		banned []string
		prefix bool // banned are prefixes: any package below them too
	}{
		{"github.com/slotd/slotd/contracts/marketplace", client, false},
		{"github.com/slotd/slotd/fsm", client, false},
		{"github.com/slotd/slotd/queue", []string{"github.com/ethereum/go-ethereum", "github.com/slotd/slotd/contracts"}, true},
	} {
		out, err := exec.Command(goTool, "list", "-deps", c.pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", c.pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, b := range c.banned {
				if dep == b || c.prefix && strings.HasPrefix(dep, b+"/") {
					t.Errorf("%s links %s", c.pkg, dep)
				}
			}
		}
	}
}
