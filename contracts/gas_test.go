package contracts_test

import (
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/contracts/bindings"
	ct "github.com/slotd/slotd/contracts/contractstest"
	"github.com/slotd/slotd/contracts/proof"
)

// periodicSlot is a 1 GiB slot whose bytes repeat one random 16 KiB chunk:
// its cells and paths are as incompressible as real data (calldata is priced
// per non-zero byte), but the tree is built from one chunk root.
type periodicSlot struct{ chunk []byte }

func (p periodicSlot) ReadAt(b []byte, off int64) (int, error) {
	for i := range b {
		b[i] = p.chunk[(off+int64(i))%int64(len(p.chunk))]
	}
	return len(b), nil
}

func hashes(hs []common.Hash) [][32]byte {
	out := make([][32]byte, len(hs))
	for i, h := range hs {
		out[i] = h
	}
	return out
}

func gibSlot(t testing.TB, seed uint64) ct.SlotData {
	const size = 1 << 30
	r := rand.New(rand.NewPCG(seed, 1))
	chunk := make([]byte, proof.ChunkSize)
	for i := range chunk {
		chunk[i] = byte(r.Uint32())
	}
	cells := uint64(size / proof.CellSize)
	roots := make([]common.Hash, cells/(1<<proof.ChunkDepth))
	root := proof.NewChunkHasher(cells).Root(chunk)
	for i := range roots {
		roots[i] = root
	}
	tree, err := proof.NewSlotTree(cells, roots)
	if err != nil {
		t.Fatal(err)
	}
	return ct.SlotData{Data: periodicSlot{chunk}, Tree: tree}
}

type gasLine struct {
	call string
	gas  []uint64
}

func (g gasLine) String() string {
	lo, hi := g.gas[0], g.gas[0]
	for _, x := range g.gas {
		lo, hi = min(lo, x), max(hi, x)
	}
	// The amount is the worst case seen; first writes to storage cost more.
	return fmt.Sprintf("gas %s %d (min %d over %d calls)", g.call, hi, lo, len(g.gas))
}

// measure runs the market's calls on a 1 GiB slot request and returns the gas
// of each (first and later calls can differ: a first write to a slot costs more).
func measure(t *testing.T, cfg contracts.Config) map[string]*gasLine {
	e := ct.NewEnv(t, cfg)
	const slots = 4
	var ds ct.Dataset
	for i := range slots {
		sd := gibSlot(t, uint64(i))
		ds.Slots = append(ds.Slots, sd)
		ds.Roots = append(ds.Roots, sd.Tree.Root())
	}
	ds.Content = proof.ContentRoot(ds.Roots)
	ask := contracts.Ask{
		Slots: slots, SlotSize: 1 << 30, Duration: 1000, MaxSlotLoss: 1,
		ProofProbability: big.NewInt(1), PricePerBytePerSecond: big.NewInt(1), CollateralPerByte: big.NewInt(1000),
	}
	lines := map[string]*gasLine{}
	add := func(call string, rc *types.Receipt, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", call, err)
		}
		if lines[call] == nil {
			lines[call] = &gasLine{call: call}
		}
		lines[call].gas = append(lines[call].gas, rc.GasUsed)
	}
	for n := range 2 {
		r := e.NewRequest(ds, ask)
		r.Nonce[31] = byte(n)
		_, rc, err := e.Client.M.RequestStorage(e.Ctx, r)
		add("requestStorage", rc, err)
	}
	id, _, err := e.Client.M.RequestStorage(e.Ctx, e.NewRequest(ds, ask))
	if err != nil {
		t.Fatal(err)
	}
	hosts := []ct.Actor{e.Hosts[0], e.Hosts[1], e.Hosts[2], e.Hosts[0]}
	// Slot 0 gets maxReservations reservers (the last emits
	// SlotReservationsFull); the others one each.
	for _, h := range []ct.Actor{e.Hosts[0], e.Hosts[1], e.Hosts[2]} {
		rc, err := h.M.ReserveSlot(e.Ctx, id, 0, 0)
		add("reserveSlot", rc, err)
	}
	for i := 1; i < slots; i++ {
		rc, err := hosts[i].M.ReserveSlot(e.Ctx, id, uint64(i), 0)
		add("reserveSlot", rc, err)
	}
	for i := range slots {
		rc, err := e.FillReserved(hosts[i], id, uint64(i), ds)
		add("fillSlot", rc, err)
	}
	for _, url := range []string{"https://host-0.example:8080", "https://host-0.example:8081"} {
		rc, err := hosts[0].M.SetHostURL(e.Ctx, url)
		add("setHostUrl", rc, err)
	}
	lazy := contracts.GetSlotID(id, 3)
	for range 3 {
		p, end := e.Period()
		e.AdvanceTo(end + 1)
		for i := range 3 {
			rc, err := e.Prove(hosts[i], contracts.GetSlotID(id, uint64(i)), ds.Slots[i])
			add("submitProof", rc, err)
		}
		if p > 0 {
			rc, err := e.Validator.M.MarkProofAsMissing(e.Ctx, lazy, p)
			switch st, _ := e.Client.M.SlotState(e.Ctx, lazy); {
			case errors.Is(err, contracts.ErrProofNotRequired):
			case err == nil && st != contracts.SlotStateFilled:
				// The mark that reaches maxNumberOfSlashes frees the slot
				// too: another cost, apart from the ceiling's.
				add("markProofAsMissing-freeing", rc, err)
			default:
				add("markProofAsMissing", rc, err)
			}
		}
	}
	// The batched view is an eth_call: what matters is its gas per slot
	// against the node's call gas cap (go-ethereum's default is 50M).
	var ids []common.Hash
	for i := range slots {
		ids = append(ids, common.Hash(contracts.GetSlotID(id, uint64(i))))
	}
	for _, n := range []int{1, 4} {
		data := bindings.NewMarketplace().PackSlotStatuses(hashes(ids[:n]), big.NewInt(0))
		g, err := e.Chain.EstimateGas(e.Ctx, ethereum.CallMsg{From: e.Validator.Addr, To: &e.Dep.Marketplace, Data: data})
		if err != nil {
			t.Fatal(err)
		}
		lines[fmt.Sprintf("slotStatuses(%d slots)", n)] = &gasLine{call: fmt.Sprintf("slotStatuses-%d-slots", n), gas: []uint64{g}}
	}
	end, _ := e.Client.M.RequestEnd(e.Ctx, id)
	e.AdvanceTo(end + 1)
	for i := range 3 {
		rc, err := hosts[i].M.PayoutSlot(e.Ctx, contracts.GetSlotID(id, uint64(i)))
		add("payoutSlot", rc, err)
	}
	rc, err := e.Client.M.WithdrawFunds(e.Ctx, id)
	add("withdrawFunds", rc, err)
	return lines
}

// TestGasReport prints the gas of each call on a 1 GiB slot at the default
// samples per proof, on Osaka rules, and holds the ceilings the design sets.
func TestGasReport(t *testing.T) {
	if testing.Short() {
		t.Skip("gas report builds 1 GiB slot trees")
	}
	cfg := ct.TestConfig()
	lines := measure(t, cfg)
	for _, call := range []string{"requestStorage", "reserveSlot", "fillSlot", "submitProof", "markProofAsMissing", "payoutSlot", "withdrawFunds", "setHostUrl", "slotStatuses(1 slots)", "slotStatuses(4 slots)"} {
		if lines[call] == nil {
			t.Fatalf("no measurement of %s", call)
		}
		fmt.Println(lines[call])
	}
	more := cfg
	more.Proofs.Samples++
	extra := measure(t, more)
	perSample := int64(extra["submitProof"].gas[0]) - int64(lines["submitProof"].gas[0])
	fmt.Printf("gas submitProof-extra-sample %d (samples %d -> %d)\n", perSample, cfg.Proofs.Samples, more.Proofs.Samples)

	ceilings := map[string]uint64{"submitProof": 160_000, "fillSlot": 300_000, "markProofAsMissing": 100_000, "reserveSlot": 80_000}
	for call, ceiling := range ceilings {
		for _, g := range lines[call].gas {
			if g > ceiling {
				t.Errorf("%s used %d gas, ceiling %d", call, g, ceiling)
			}
		}
	}
}
