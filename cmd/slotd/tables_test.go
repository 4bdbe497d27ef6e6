package main

import (
	"bytes"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ethereum/go-ethereum/common"

	"github.com/slotd/slotd/contracts"
	"github.com/slotd/slotd/node"
	"github.com/slotd/slotd/node/api"
	"github.com/slotd/slotd/persist"
)

// goldenTable compares got with testdata/tables/name (or rewrites it with -update) and
// checks every line fits the 100 columns tables are made for.
func goldenTable(t *testing.T, name, got string) {
	t.Helper()
	for _, line := range strings.Split(got, "\n") {
		if n := utf8.RuneCountInString(line); n > 100 {
			t.Errorf("%s: line of %d columns: %q", name, n, line)
		}
	}
	path := filepath.Join("testdata", "tables", name)
	if *updateGolden {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

var (
	tNow   = time.Date(2026, 12, 3, 13, 0, 0, 0, time.UTC)
	tokens = func(n int64) *big.Int {
		return new(big.Int).Mul(big.NewInt(n), new(big.Int).Exp(big.NewInt(10), big.NewInt(16), nil))
	} // n/100 tokens
	slotA = persist.ID{0x1a, 0x2b, 31: 0x0e}
	slotB = persist.ID{0x77, 0x01, 31: 0xff}
	reqA  = persist.ID{0xab, 0xcd, 31: 0x01}
)

func testView() view {
	st := &node.Status{Report: node.Report{Token: &node.TokenInfo{Symbol: "SLOT", Decimals: 18},
		Host: &node.HostReport{Downloads: []node.DownloadProgress{{SlotID: slotB, Size: 64 << 20, Verified: 27 << 20, Updated: tNow.Add(-2 * time.Second), BytesPerSecond: 3 << 20}}}}}
	return viewOf(st, tNow)
}

func TestSalesTables(t *testing.T) {
	agents := []persist.Agent{
		{SlotID: slotA, RequestID: reqA, SlotIndex: 0, State: "proving", Reserved: 64 << 20, Updated: tNow.Add(-3 * time.Hour)},
		{SlotID: slotB, RequestID: reqA, SlotIndex: 2, State: "downloading", Reserved: 64 << 20, Updated: tNow.Add(-10 * time.Second)},
		{SlotID: persist.ID{0x05}, RequestID: reqA, SlotIndex: 1, State: "errored", Reserved: 64 << 20, Updated: tNow.Add(-26 * time.Hour),
			Reason: "fill: execution reverted: SlotNotFree (another host filled it between our check and our fill; retry gives it up)"},
	}
	var b bytes.Buffer
	if err := writeSales(&b, testView(), agents); err != nil {
		t.Fatal(err)
	}
	b.WriteString("\n")
	writeSales(&b, testView(), nil)
	goldenTable(t, "sales.golden", b.String())

	b.Reset()
	doc := saleDoc{Agent: agents[0], Journal: []persist.JournalEntry{
		{Seq: 1, To: "preparing", Event: "start", Time: tNow.Add(-4 * time.Hour), Block: 100},
		{Seq: 2, From: "preparing", To: "downloading", Event: "prepared", Time: tNow.Add(-4 * time.Hour), Block: 100},
		{Seq: 3, From: "downloading", To: "initial-proving", Event: "downloaded", Time: tNow.Add(-4*time.Hour + time.Minute), Block: 104, Detail: "67108864 bytes verified (0 resumed)"},
		{Seq: 4, From: "filling", To: "filled", Event: "fill-mined", Time: tNow.Add(-3 * time.Hour), Block: 110, Detail: "tx 0x" + strings.Repeat("9f", 32)},
	}}
	if err := writeSale(&b, testView(), doc); err != nil {
		t.Fatal(err)
	}
	goldenTable(t, "sale.golden", b.String())
}

func TestPurchasesAndAvailabilitiesTables(t *testing.T) {
	req := contracts.Request{Client: common.Address{1}, Ask: contracts.Ask{Slots: 3, SlotSize: 1 << 20, Duration: 86400, MaxSlotLoss: 1,
		ProofProbability: big.NewInt(1), PricePerBytePerSecond: big.NewInt(1e6), CollateralPerByte: big.NewInt(5)},
		Content: contracts.Content{Cid: []byte("x")}, Expiry: 600}
	enc, err := contracts.EncodeRequest(req)
	if err != nil {
		t.Fatal(err)
	}
	ps := []persist.Purchase{
		{RequestID: reqA, State: "started", CID: "0x" + strings.Repeat("c1", 32), Request: enc, Created: tNow.Add(-90 * time.Minute)},
		{RequestID: persist.ID{0x02}, State: "failed", CID: "0x" + strings.Repeat("c2", 32), Request: enc, Created: tNow.Add(-48 * time.Hour),
			Reason: "too many slots lost", Withdrawn: true},
		{RequestID: persist.ID{0x03}, State: "submitted", CID: "0x" + strings.Repeat("c3", 32), Created: tNow.Add(-time.Second)},
	}
	var b bytes.Buffer
	if err := writePurchases(&b, testView(), ps); err != nil {
		t.Fatal(err)
	}
	b.WriteString("\n")
	as := []persist.Availability{
		{ID: 1, TotalSize: 1 << 30, FreeSize: 1<<30 - 128<<20, Duration: 7 * 86400, MinPricePerBytePerSecond: big.NewInt(1), MaxCollateralPerByte: tokens(1), Created: tNow.Add(-5 * 24 * time.Hour)},
		{ID: 12, TotalSize: 4096, FreeSize: 4096, Duration: 60, MinPricePerBytePerSecond: big.NewInt(0), MaxCollateralPerByte: big.NewInt(0), Created: tNow},
	}
	if err := writeAvailabilities(&b, testView(), as); err != nil {
		t.Fatal(err)
	}
	goldenTable(t, "purchases_availabilities.golden", b.String())
}

func TestStatusScreen(t *testing.T) {
	eth := new(big.Int).Exp(big.NewInt(10), big.NewInt(18), nil)
	st := node.Status{Account: common.HexToAddress("0x70997970C51812dc3A010C7d01b50e0d17dc79C8"), Marketplace: common.HexToAddress("0x5FbDB2315678afecb367f032d93F642f64180aa3"),
		Roles: []string{"host"}, Head: 1234, DataURL: "http://127.0.0.1:8081",
		Report: node.Report{
			Token:    &node.TokenInfo{Address: common.HexToAddress("0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"), Symbol: "SLOT", Decimals: 18},
			Balances: &node.Balances{Gas: api.Amount{Int: new(big.Int).Mul(eth, big.NewInt(9999))}, Token: api.Amount{Int: tokens(100050)}},
			Chain:    node.ChainHealth{RPCOK: true, RPCLatencyMS: 3, Cursor: 1230, CursorLag: 4, Period: 29374, PeriodSec: 60},
			Host: &node.HostReport{SlotsByState: map[string]int{"proving": 2, "errored": 1, "finished": 4}, Held: 2,
				Accruing: api.Amount{Int: tokens(671)}, PayoutAtEnd: api.Amount{Int: tokens(2013)}, CollateralLocked: api.Amount{Int: tokens(134)}, Slashes: 1,
				ProofsDue: 1, ProofsSubmitted: 41, ProofsMissed: 2, ProofsSubmitted24h: 1437, ProofsMissed24h: 3, SlotsLost24h: 1,
				Paid: api.Amount{Int: tokens(123456)}, Forfeited: api.Amount{Int: tokens(3)}, Offered: 1 << 30, Free: 1<<30 - 192<<20, Reserved: 192 << 20, DiskFree: 40 << 30, Queued: 3,
				Downloads: []node.DownloadProgress{{SlotID: slotB, Size: 64 << 20, Verified: 16 << 20}}},
			Alerts: []node.Alert{{Kind: "agent-errored", Level: "critical", Message: "1 sales are errored and wait for you: see slotd sales, then slotd sales retry SLOTID"}},
			Errors: []string{"gas balance: context deadline exceeded"},
		}}
	var b bytes.Buffer
	if err := writeStatus(&b, viewOf(&st, tNow), st); err != nil {
		t.Fatal(err)
	}
	b.WriteString("\n")
	client := node.Status{Account: common.Address{0xc1}, Roles: []string{"client", "validator"}, Head: 9, RewardAddress: common.Address{0xc1}, CollateralAddress: common.Address{0xc1},
		Report: node.Report{Chain: node.ChainHealth{RPCError: "dial tcp 127.0.0.1:8545: connect: connection refused"},
			Client:    &node.ClientReport{PurchasesByState: map[string]int{"started": 1, "finished": 2}, Deposited: api.Amount{Int: tokens(30000)}, Withdrawn: 2, Refunded: api.Amount{Int: tokens(1250)}, RefundUnknown: 1},
			Validator: &node.ValidatorStatus{Watched: 6, Marks: 1, Rewards: "1000000000000000", Due: 2}}}
	if err := writeStatus(&b, viewOf(&client, tNow), client); err != nil {
		t.Fatal(err)
	}
	goldenTable(t, "status.golden", b.String())
}

// TestTablesFitWithEdgeData: with the largest amounts the chain can hold
// (2^256-1), a token whose symbol is long, years-long durations, huge
// sizes and long reasons, every line of every table and of the status
// screen still fits 100 columns (goldenTable checks each line), and the
// purchases' NOTE keeps its words whole.
func TestTablesFitWithEdgeData(t *testing.T) {
	max256 := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))
	long := "because " + strings.Repeat("the chain refused the transaction again ", 4)
	st := &node.Status{Account: common.Address{0xaa}, Roles: []string{"host", "client", "validator"}, Head: 1<<63 - 1,
		Report: node.Report{
			Token:    &node.TokenInfo{Symbol: "AVERYLONGTOKENSYMBOLTHATGOESON", Decimals: 0},
			Balances: &node.Balances{Gas: api.Amount{Int: max256}, Token: api.Amount{Int: max256}},
			Chain:    node.ChainHealth{RPCOK: true, RPCLatencyMS: 1 << 40, Cursor: 1<<63 - 2, CursorLag: 1, Period: 1 << 60, PeriodSec: 1 << 62},
			Host: &node.HostReport{SlotsByState: map[string]int{"proving": 1 << 30, "errored": 1 << 30, "downloading": 7, "initial-proving": 3}, Held: 1 << 30, Partial: true,
				Accruing: api.Amount{Int: max256}, PayoutAtEnd: api.Amount{Int: max256}, CollateralLocked: api.Amount{Int: max256}, Slashes: 1 << 62,
				ProofsDue: 1 << 30, ProofsProven: 1 << 29, Paid: api.Amount{Int: max256}, Forfeited: api.Amount{Int: max256},
				Offered: 1<<64 - 1, Free: 1<<64 - 1, Reserved: 1<<64 - 1, DiskFree: 1<<64 - 1, Queued: 1 << 30,
				Downloads: []node.DownloadProgress{{SlotID: slotB, Size: 1<<64 - 1, Verified: 1 << 62, BytesPerSecond: 1e18}}},
			Client:    &node.ClientReport{PurchasesByState: map[string]int{"started": 1 << 30}, Deposited: api.Amount{Int: max256}, Withdrawn: 1 << 30},
			Validator: &node.ValidatorStatus{Watched: 1 << 30, Marks: 1 << 30},
			Alerts:    []node.Alert{{Kind: "rpc-unreachable", Level: "critical", Message: long}},
			Errors:    []string{long},
		}}
	v := viewOf(st, tNow)
	var b bytes.Buffer
	agents := []persist.Agent{
		{SlotID: slotA, RequestID: reqA, SlotIndex: 1<<64 - 1, State: "initial-proving", Reserved: 1<<64 - 1, Updated: tNow.Add(-100000 * time.Hour), Reason: long},
		{SlotID: slotB, RequestID: reqA, SlotIndex: 0, State: "downloading", Reserved: 1 << 62, Updated: tNow.Add(time.Hour)},
	}
	if err := writeSales(&b, v, agents); err != nil {
		t.Fatal(err)
	}
	b.WriteString("\n")
	req := contracts.Request{Client: common.Address{1}, Ask: contracts.Ask{Slots: 1<<64 - 1, SlotSize: 1<<64 - 1, Duration: 1<<64 - 1, MaxSlotLoss: 1<<64 - 1,
		ProofProbability: big.NewInt(1), PricePerBytePerSecond: max256, CollateralPerByte: max256},
		Content: contracts.Content{Cid: []byte("x")}, Expiry: 600}
	enc, err := contracts.EncodeRequest(req)
	if err != nil {
		t.Fatal(err)
	}
	ps := []persist.Purchase{{RequestID: reqA, State: "cancelled", CID: "0x" + strings.Repeat("c1", 32), Request: enc, Created: tNow.Add(-100000 * time.Hour),
		Reason: "too many slots lost", Withdrawn: true}}
	if err := writePurchases(&b, v, ps); err != nil {
		t.Fatal(err)
	}
	b.WriteString("\n")
	as := []persist.Availability{{ID: 1<<64 - 1, TotalSize: 1<<64 - 1, FreeSize: 1<<64 - 1, Duration: 1<<64 - 1,
		MinPricePerBytePerSecond: max256, MaxCollateralPerByte: max256, Created: tNow.Add(-100000 * time.Hour)}}
	if err := writeAvailabilities(&b, v, as); err != nil {
		t.Fatal(err)
	}
	b.WriteString("\n")
	if err := writeStatus(&b, v, *st); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "withdraw\n") || !strings.Contains(b.String(), "withdrawn") {
		t.Errorf("the purchases' note lost or split \"withdrawn\"")
	}
	goldenTable(t, "edges.golden", b.String())
}
