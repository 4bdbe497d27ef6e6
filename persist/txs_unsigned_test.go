package persist

import (
	"context"
	"fmt"
	"math/big"
	"math/rand"
	"reflect"
	"testing"
	"time"
)

// TestForEachTxRecordUnsignedMatchesTheRecords: the scan without signed
// bytes gives every record as decoding it whole does, with Raw empty and
// signed saying whether it had any, whatever the purposes, statuses and
// signed bytes hold; and a value written by hand in an older shape (no
// raw, raw null) reads as decoding it whole reads it.
func TestForEachTxRecordUnsignedMatchesTheRecords(t *testing.T) {
	s, err := Open(t.TempDir()+"/s.db", &Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r := rand.New(rand.NewSource(3))
	statuses := []string{TxPending, TxMined, TxFailed, TxReplaced, TxAbandoned}
	err = s.Update(context.Background(), func(tx *Tx) error {
		for i := range 500 {
			rec := TxRecord{Purpose: fmt.Sprintf("%s:%d", randString(r), i), Nonce: r.Uint64(), Hash: slotN(uint64(i)),
				Value: big.NewInt(r.Int63()), GasFeeCap: big.NewInt(r.Int63()), Status: statuses[r.Intn(len(statuses))],
				Sent: time.Unix(int64(i), 0).UTC(), Block: r.Uint64(), Reorged: uint32(r.Intn(3))}
			if r.Intn(3) > 0 {
				rec.Raw = Bytes(randString(r) + randString(r))
			}
			if r.Intn(2) == 0 {
				rec.From[0], rec.From[19] = byte(i), 1
			}
			if r.Intn(4) == 0 {
				rec.Previous = []ID{slotN(uint64(i + 1000))}
			}
			if err := tx.PutTxRecord(rec); err != nil {
				return err
			}
		}
		b, err := tx.bucket(bucketTxs)
		if err != nil {
			return err
		}
		for k, v := range map[string]string{
			"old:noraw": `{"nonce":7,"hash":"0x` + fmt.Sprintf("%064x", 7) + `","status":"mined","block":9}`,
			"old:null":  `{"nonce":8,"hash":"0x` + fmt.Sprintf("%064x", 8) + `","raw":null,"status":"pending"}`,
		} {
			if err := b.Put([]byte(k), append([]byte{valueVersion}, v...)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.View(func(tx *Tx) error {
		var whole []TxRecord
		if err := tx.ForEachTxRecord(func(r TxRecord) error { whole = append(whole, r); return nil }); err != nil {
			return err
		}
		i, signed := 0, 0
		err := tx.ForEachTxRecordUnsigned("", func(got TxRecord, hasRaw bool) error {
			want := whole[i]
			i++
			if hasRaw != (len(want.Raw) > 0) {
				t.Errorf("%q: signed %v, its raw is %d bytes", want.Purpose, hasRaw, len(want.Raw))
			}
			if hasRaw {
				signed++
			}
			want.Raw, got.Raw = nil, nil
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
			return nil
		})
		if err != nil || i != len(whole) || signed < 100 {
			t.Fatalf("%d of %d records, %d signed (%v)", i, len(whole), signed, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
