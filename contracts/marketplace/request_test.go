package marketplace_test

import (
	"math/big"
	"reflect"
	"testing"

	"github.com/slotd/slotd/contracts/marketplace"
)

func TestRequestEncodingRoundTrips(t *testing.T) {
	r := marketplace.Request{
		Ask: marketplace.Ask{Slots: 4, SlotSize: 1 << 20, Duration: 100, MaxSlotLoss: 1,
			ProofProbability: big.NewInt(3), PricePerBytePerSecond: big.NewInt(5), CollateralPerByte: big.NewInt(7)},
		Content: marketplace.Content{Cid: []byte("http://127.0.0.1:1"), MerkleRoot: [32]byte{9}},
		Expiry:  50, Nonce: [32]byte{1},
	}
	enc, err := marketplace.EncodeRequest(r)
	if err != nil {
		t.Fatal(err)
	}
	got, err := marketplace.DecodeRequest(enc)
	if err != nil || !reflect.DeepEqual(got, r) {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	if _, err := marketplace.DecodeRequest(enc[:40]); err == nil {
		t.Fatal("truncated request decoded")
	}
}
