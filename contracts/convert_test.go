package contracts

import (
	"bytes"
	"math/big"
	"reflect"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/slotd/slotd/contracts/bindings"
	"github.com/slotd/slotd/contracts/marketplace"
)

func testRequests() []marketplace.Request {
	big1 := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))
	return []marketplace.Request{
		{
			Client: common.HexToAddress("0x1234"),
			Ask: marketplace.Ask{Slots: 4, SlotSize: 1 << 20, Duration: 100, MaxSlotLoss: 1,
				ProofProbability: big.NewInt(3), PricePerBytePerSecond: big.NewInt(5), CollateralPerByte: big.NewInt(7)},
			Content: marketplace.Content{Cid: []byte("http://127.0.0.1:1"), MerkleRoot: [32]byte{9}},
			Expiry:  50, Nonce: [32]byte{1},
		},
		{
			Ask:     marketplace.Ask{Slots: 256, SlotSize: 1<<64 - 256, Duration: 1<<64 - 1, ProofProbability: big1, PricePerBytePerSecond: big1, CollateralPerByte: big.NewInt(0)},
			Content: marketplace.Content{Cid: bytes.Repeat([]byte{0xab}, 100)},
			Expiry:  1<<64 - 1, Nonce: [32]byte{31: 0xff},
		},
	}
}

// The leaf writes the request tuple out by hand; it must encode, and so
// hash, exactly as the contract's own ABI does.
func TestRequestEncodesAsTheBinding(t *testing.T) {
	in := bindings.NewMarketplace().GetABI().Methods["requestStorage"].Inputs
	for _, r := range testRequests() {
		want, err := in.Pack(BindingRequest(r))
		if err != nil {
			t.Fatal(err)
		}
		got, err := marketplace.EncodeRequest(r)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("encoding differs from the binding's:\n got %x\nwant %x", got, want)
		}
		id, err := marketplace.GetRequestID(r)
		if err != nil || common.Hash(id) != crypto.Keccak256Hash(want) {
			t.Fatalf("id %x, want keccak of the binding's encoding (%v)", id, err)
		}
		back, err := marketplace.DecodeRequest(want)
		if err != nil {
			t.Fatal(err)
		}
		if again, _ := in.Pack(BindingRequest(back)); !bytes.Equal(again, want) {
			t.Fatalf("decoding the binding's encoding gave %+v", back)
		}
	}
}

func TestBindingConversionsRoundTrip(t *testing.T) {
	for _, r := range testRequests() {
		if got := fromBindingRequest(BindingRequest(r)); !reflect.DeepEqual(got, r) {
			t.Fatalf("request round trip: %+v, want %+v", got, r)
		}
	}
	c := marketplace.DefaultConfig()
	c.Reservations.MaxReservations, c.Proofs.Samples = 7, 9
	if got := fromBindingConfig(toBindingConfig(c)); got != c {
		t.Fatalf("config round trip: %+v, want %+v", got, c)
	}
	p := marketplace.Proof{Cells: []byte{1, 2}, Path: [][32]byte{{3}}}
	if got := marketplace.Proof(BindingProof(p)); !reflect.DeepEqual(got, p) {
		t.Fatalf("proof round trip: %+v", got)
	}
	st := []bindings.MarketplaceSlotStatus{{State: 1, Host: common.HexToAddress("0x5"), MissingProofs: 2, Markable: true, Challenge: [32]byte{4}}}
	if got := fromBindingStatuses(st); len(got) != 1 || got[0].Host != st[0].Host || !got[0].Markable || got[0].Challenge != st[0].Challenge {
		t.Fatalf("statuses: %+v", got)
	}
	if fromBindingStatuses(nil) != nil {
		t.Fatal("no statuses became a non-nil slice")
	}
}

// The nested conversions copy field by field; a field the contract gains
// would be dropped silently, so the field lists must stay the same.
func TestLeafMirrorsTheBindings(t *testing.T) {
	pairs := []struct{ leaf, binding any }{
		{marketplace.Request{}, bindings.Request{}},
		{marketplace.Ask{}, bindings.Ask{}},
		{marketplace.Content{}, bindings.Content{}},
		{marketplace.Proof{}, bindings.Proof{}},
		{marketplace.Config{}, bindings.MarketplaceConfig{}},
		{marketplace.CollateralConfig{}, bindings.CollateralConfig{}},
		{marketplace.ProofConfig{}, bindings.ProofConfig{}},
		{marketplace.ReservationsConfig{}, bindings.SlotReservationsConfig{}},
		{marketplace.SlotInfo{}, bindings.MarketplaceSlotInfo{}},
		{marketplace.SlotStatus{}, bindings.MarketplaceSlotStatus{}},
	}
	for _, p := range pairs {
		l, b := reflect.TypeOf(p.leaf), reflect.TypeOf(p.binding)
		if l.NumField() != b.NumField() {
			t.Fatalf("%v has %d fields, %v %d", l, l.NumField(), b, b.NumField())
		}
		for i := range l.NumField() {
			lf, bf := l.Field(i), b.Field(i)
			if lf.Name != bf.Name || lf.Type.Kind() != bf.Type.Kind() {
				t.Errorf("%v field %d is %s %v, the binding's %s %v", l, i, lf.Name, lf.Type, bf.Name, bf.Type)
			}
		}
	}
}
