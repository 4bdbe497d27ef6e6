package persist

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"math/rand"
	"testing"
	"time"
)

func randString(r *rand.Rand) string {
	if r.Intn(3) > 0 {
		return []string{"", "proving", "filling", "a b", "tx 0xab", "1234"}[r.Intn(6)]
	}
	pool := []string{"", "proving", "a b", `q"uote`, `back\slash`, "<tag>&", "\x00\x1f", "héllo", "日本", "\xff\xfe", "\u2028", "tab\t"}
	s := pool[r.Intn(len(pool))]
	if r.Intn(2) == 0 {
		s += pool[r.Intn(len(pool))]
	}
	return s
}

func randTime(r *rand.Rand) time.Time {
	switch r.Intn(5) {
	case 0:
		return time.Time{}
	case 1:
		return time.Date(10000+r.Intn(5), 1, 1, 0, 0, 0, 0, time.UTC)
	case 2:
		return time.Unix(r.Int63n(1e10), r.Int63n(1e9)).In(time.FixedZone("x", 3600))
	}
	return time.Unix(r.Int63n(1e10), r.Int63n(1e9)).UTC()
}

// TestFastJSONMatchesEncodingJSON: when the fast encoders answer, they
// answer byte for byte what encoding/json does; fastString reads back the
// state of any agent value.
func TestFastJSONMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	fast := 0
	for i := 0; i < 5000; i++ {
		a := Agent{RequestID: slotN(uint64(i)), SlotIndex: r.Uint64(), State: randString(r), Seq: r.Uint64(),
			AvailabilityID: uint64(r.Intn(5)), Reserved: r.Uint64(), Reason: randString(r), Updated: randTime(r), Block: r.Uint64()}
		if r.Intn(3) == 0 {
			a.SlotID = slotN(uint64(i + 1))
		}
		e := JournalEntry{From: randString(r), To: randString(r), Event: randString(r), Time: randTime(r), Block: r.Uint64(), Detail: randString(r)}
		if r.Intn(3) == 0 {
			e.SlotID, e.Seq = slotN(uint64(i)), uint64(r.Intn(3))
		}
		for _, v := range []any{a, e} {
			want, wantErr := json.Marshal(v)
			got, ok := v.(appender).appendJSON(nil)
			if ok {
				fast++
				if wantErr != nil || string(got) != string(want) {
					t.Fatalf("fast %s\nstd  %s (%v)", got, want, wantErr)
				}
			}
		}
		data, err := encodeValue(a)
		if err != nil {
			continue // a time encoding/json cannot write either
		}
		st, ok := fastString(data[1:], stateField)
		var back Agent
		if err := json.Unmarshal(data[1:], &back); err != nil {
			t.Fatal(err)
		}
		if ok && st != back.State {
			t.Fatalf("fastString %q, decoded %q from %s", st, back.State, data)
		}
	}
	if fast < 1000 {
		t.Errorf("fast path taken only %d times", fast)
	}
}

// TestPendingTxCountReadsOnlyStatus: PendingTxCount, which reads only the
// status field, counts what decoding every record counts, whatever the
// statuses and purposes hold.
func TestPendingTxCountReadsOnlyStatus(t *testing.T) {
	s, err := Open(t.TempDir()+"/s.db", &Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r := rand.New(rand.NewSource(2))
	statuses := []string{TxPending, TxMined, TxFailed, TxReplaced}
	err = s.Update(context.Background(), func(tx *Tx) error {
		for i := range 500 {
			st := statuses[r.Intn(len(statuses))]
			if r.Intn(10) == 0 {
				st = randString(r) // what a newer or damaged writer might leave
			}
			rec := TxRecord{Purpose: fmt.Sprintf("%s:%d", randString(r), i), Nonce: r.Uint64(), Hash: slotN(uint64(i)),
				Raw: Bytes(randString(r)), Value: big.NewInt(r.Int63()), Status: st, Sent: time.Unix(int64(i), 0)}
			if err := tx.PutTxRecord(rec); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error {
		want := 0
		tx.ForEachTxRecord(func(r TxRecord) error {
			if r.Status == TxPending {
				want++
			}
			return nil
		})
		got, err := tx.PendingTxCount()
		if err != nil || got != want || want == 0 {
			t.Fatalf("PendingTxCount %d (%v), decoding every record counts %d", got, err, want)
		}
		return nil
	})
}
