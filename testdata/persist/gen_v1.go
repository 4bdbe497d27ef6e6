//go:build ignore

// gen_v1 writes v1.db, a tiny store in slotd's schema 1 layout, for the
// migration test in persist/migrate_test.go. Schema 1 stored bare JSON
// (no version byte, amounts as JSON numbers), kept the journal as a nested
// bucket per slot (journal/<slotId>/<seq>), did not copy reservations into
// agents, and had no downloads, purchases or datasets buckets.
//
//	go run ./testdata/persist/gen_v1.go -o testdata/persist/v1.db
package main

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"log"
	"os"

	bolt "go.etcd.io/bbolt"
)

func id(n byte) []byte {
	h := sha256.Sum256([]byte{n})
	return h[:]
}

func hx(b []byte) string { return "0x" + hex.EncodeToString(b) }

func u64(n uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	return b[:]
}

func main() {
	out := flag.String("o", "testdata/persist/v1.db", "output file")
	flag.Parse()
	os.Remove(*out)
	db, err := bolt.Open(*out, 0o600, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	req := id(100)
	slotA, slotB, slotC := id(1), id(2), id(3)
	err = db.Update(func(tx *bolt.Tx) error {
		b := map[string]*bolt.Bucket{}
		for _, name := range []string{"meta", "agents", "journal", "queue", "availabilities", "reservations", "cursor", "txs"} {
			bk, err := tx.CreateBucket([]byte(name))
			if err != nil {
				return err
			}
			b[name] = bk
		}
		put := func(bucket string, k []byte, v string) {
			if err == nil {
				err = b[bucket].Put(k, []byte(v))
			}
		}
		put("meta", []byte("schema"), string(u64(1)))
		agent := func(slot []byte, index int, state string, seq int) {
			put("agents", slot, fmt.Sprintf(`{"slotId":%q,"requestId":%q,"slotIndex":%d,"state":%q,"seq":%d,"updated":"2025-06-01T12:00:0%dZ"}`,
				hx(slot), hx(req), index, state, seq, seq))
		}
		agent(slotA, 0, "filled", 3)
		agent(slotB, 1, "downloading", 2)
		agent(slotC, 2, "finished", 4)
		states := []string{"", "preparing", "downloading", "filling", "filled", "proving"}
		journal := func(slot []byte, n int, last string) {
			jb, e := b["journal"].CreateBucket(slot)
			if e != nil {
				err = e
				return
			}
			for s := 1; s <= n; s++ {
				to := states[s]
				if s == n {
					to = last
				}
				if err == nil {
					err = jb.Put(u64(uint64(s)), []byte(fmt.Sprintf(`{"from":%q,"to":%q,"event":"ev%d","time":"2025-06-01T12:00:0%dZ","detail":""}`,
						states[s-1], to, s, s)))
				}
			}
		}
		journal(slotA, 3, "filled")
		journal(slotB, 2, "downloading")
		journal(slotC, 4, "finished")
		put("queue", id(4), fmt.Sprintf(`{"requestId":%q,"slotIndex":3,"slotSize":1024,"duration":3600,"pricePerBytePerSecond":123456789012345678901234567890,"collateralPerByte":5,"expiry":1750000000,"seq":1}`, hx(req)))
		put("queue", id(5), fmt.Sprintf(`{"requestId":%q,"slotIndex":4,"slotSize":1024,"duration":3600,"pricePerBytePerSecond":7,"collateralPerByte":5,"expiry":1750000000,"seq":2}`, hx(req)))
		if err == nil {
			err = b["queue"].SetSequence(2)
		}
		put("availabilities", u64(1), `{"totalSize":10000,"freeSize":7000,"duration":86400,"minPricePerBytePerSecond":1,"maxCollateralPerByte":100,"created":"2025-06-01T11:00:00Z"}`)
		if err == nil {
			err = b["availabilities"].SetSequence(1)
		}
		put("reservations", slotA, `{"availabilityId":1,"size":1000}`)
		put("reservations", slotB, `{"availabilityId":1,"size":2000}`)
		put("cursor", []byte("head"), fmt.Sprintf(`{"number":42,"hash":%q,"recent":[{"number":41,"hash":%q}]}`, hx(id(42)), hx(id(41))))
		put("txs", []byte("fill:"+hx(slotA)), fmt.Sprintf(`{"nonce":7,"hash":%q,"raw":"0x02f8","to":"0x00000000000000000000000000000000000000aa","value":0,"gasFeeCap":30000000000,"gasTipCap":1000000000,"status":"mined","sent":"2025-06-01T12:00:03Z","block":40}`, hx(id(7))))
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
}
