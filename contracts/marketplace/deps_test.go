package marketplace_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The leaf, and the queue and agents built on it or on less, must not link a
// chain client: that is what keeps them cheap to build, test and change.
func TestLeafLinksNoChainClient(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH")
	}
	for _, pkg := range []string{"github.com/slotd/slotd/contracts/marketplace", "github.com/slotd/slotd/queue", "github.com/slotd/slotd/fsm"} {
		out, err := exec.Command(goTool, "list", "-deps", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		deps := strings.Fields(string(out))
		for _, banned := range []string{"github.com/ethereum/go-ethereum/rpc", "github.com/slotd/slotd/contracts/bindings", "github.com/slotd/slotd/contracts"} {
			if slices.Contains(deps, banned) {
				t.Errorf("%s links %s", pkg, banned)
			}
		}
	}
}
