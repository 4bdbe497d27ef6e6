package node

import (
	"context"
	"fmt"
	"math/big"
)

// Alert is a problem the node sees now. Alerts are worked out afresh from
// the status report on every request, so one raises itself when its
// condition holds and clears itself when it no longer does.
type Alert struct {
	Kind    string `json:"kind"`
	Level   string `json:"level"` // "warning" or "critical"
	Message string `json:"message"`
}

// Thresholds of the alerts.
const (
	alertCursorLag = 20      // blocks behind the head
	alertDiskFree  = 1 << 30 // bytes free on the data dir's file system
	// proofGas is about what one storage proof costs (3 samples of a 1 GiB
	// slot, see the README's gas report); the balance alert wants enough
	// for alertProofs proofs of every held slot.
	proofGas    = 200_000
	alertProofs = 10
)

// alerts lists what is wrong in r; gasPrice may be nil (the balance check
// is then left out).
func alerts(r Report, gasPrice *big.Int) []Alert {
	var out []Alert
	add := func(kind, level, format string, args ...any) {
		out = append(out, Alert{Kind: kind, Level: level, Message: fmt.Sprintf(format, args...)})
	}
	if !r.Chain.RPCOK {
		add("rpc-unreachable", "critical", "the Ethereum node does not answer: %s", r.Chain.RPCError)
		return out
	}
	if r.Chain.CursorLag > alertCursorLag {
		add("cursor-lagging", "warning", "events are applied %d blocks behind the head", r.Chain.CursorLag)
	}
	for _, p := range r.PendingTxs {
		if p.Blocks > alertStuckBlocks {
			add("tx-stuck", "critical", "transaction %s (nonce %d, %s) is pending for %d blocks and every later transaction of ours waits behind it: check the gas balance and the RPC's pool (slotd dump txs)",
				p.Purpose, p.Nonce, p.Hash, p.Blocks)
		}
	}
	h := r.Host
	if h == nil {
		return out
	}
	if n := h.SlotsByState["errored"]; n > 0 {
		add("agent-errored", "critical", "%d sales are errored and wait for you: see slotd sales, then slotd sales retry SLOTID", n)
	}
	if h.ProofsMissed > 0 {
		add("proof-missed", "critical", "%d proofs of ours were marked missing since start (each one slashes collateral)", h.ProofsMissed)
	}
	if h.SlotsLost24h > 0 {
		add("slot-lost", "critical", "%d slots were freed from us over the last day after their last allowed missed proof: their collateral and earnings went to the client (slotd dump proofs)", h.SlotsLost24h)
	}
	if h.Slashes > 0 {
		add("slashed", "warning", "held slots carry %d slashes", h.Slashes)
	}
	if h.DiskFree > 0 && h.DiskFree < alertDiskFree {
		add("disk-nearly-full", "critical", "%d bytes free on the data dir's disk", h.DiskFree)
	} else if h.DiskFree > 0 && h.Free > h.DiskFree {
		add("disk-overcommitted", "warning", "availabilities offer %d bytes more than the disk has free", h.Free-h.DiskFree)
	}
	if r.Balances != nil && gasPrice != nil && h.Held > 0 {
		need := new(big.Int).Mul(gasPrice, big.NewInt(int64(proofGas*alertProofs*h.Held)))
		if r.Balances.Gas.Cmp(need) < 0 {
			add("gas-low", "critical", "gas balance %s wei is below what %d proofs of each held slot need (%s wei)", r.Balances.Gas, alertProofs, need)
		}
	}
	return out
}

// alertsNow is GET /api/v1/alerts: the alerts of a fresh status report.
func (n *Node) alertsNow(ctx context.Context) any {
	return n.status(ctx).(Status).Alerts
}
