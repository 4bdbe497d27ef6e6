package persist

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// SchemaVersion is the layout this binary reads and writes.
//
// Schema 5 (current), all keys big-endian, all values valueVersion‖JSON:
//
//	meta            "schema" → uint64, "deployment" → Deployment,
//	                "account" → signing address (0x…, lower case)
//	agents          slotId(32) → Agent
//	journal         slotId(32) ‖ seq(8) → JournalEntry
//	queue           slotId(32) → QueueItem (bucket sequence numbers items)
//	availabilities  id(8) → Availability (bucket sequence assigns ids)
//	reservations    slotId(32) → Reservation
//	cursor          "head" → Cursor
//	txs             purpose (e.g. "fill:0x…") → TxRecord
//	downloads       slotId(32) → Download
//	purchases       requestId(32) → Purchase
//	datasets        cid → Dataset
//	ledger          requestId(32) → LedgerRequest
//	ledgerslots     requestId(32) ‖ index(8) → LedgerSlot
//	ledgerproofs    requestId(32) ‖ index(8) ‖ period(8) → LedgerProof
//	validator       slotId(32) → WatchedSlot
//	applied         block number(8) ‖ hash(32) → AppliedBlock
//
// The journal is one flat bucket with composite keys rather than a nested
// bucket per slot (as schema 1 had): a node holds up to ~10^5 slots, and a
// nested bucket per slot costs a bucket header and usually a page of its
// own, makes every slot lookup two B-tree descents, and turns Check and
// backups into a walk over 10^5 tiny trees. With slotId‖seq keys a slot's
// history is one contiguous key range (Seek to the prefix, read until the
// prefix changes) and pages stay dense.
//
// Schema 4 (migrated on Open, see migrate.go) had no applied bucket; the
// migration adds it empty: the blocks the cursor remembered at the upgrade
// have no stored logs, and a rollback of one of them asks the provider (see
// node/chain).
//
// Schema 3 (migrated on Open, see migrate.go) had no ledgerproofs bucket;
// the migration adds it empty: the proofs of an upgraded store start at the
// upgrade.
//
// Schema 2 (migrated on Open, see migrate.go) had no ledger or validator
// buckets; the migration adds them empty, so the ledger of an upgraded
// store knows the requests posted after the upgrade, and its validator
// the slots filled after it.
//
// Schema 1 (migrated on Open, see migrate.go): values were bare JSON
// without a version byte; the journal was nested (journal/<slotId>/<seq>);
// agents did not carry their availability and reserved size; there were
// no downloads, purchases or datasets buckets.
const SchemaVersion = 5

var (
	bucketMeta           = []byte("meta")
	bucketAgents         = []byte("agents")
	bucketJournal        = []byte("journal")
	bucketQueue          = []byte("queue")
	bucketAvailabilities = []byte("availabilities")
	bucketReservations   = []byte("reservations")
	bucketCursor         = []byte("cursor")
	bucketTxs            = []byte("txs")
	bucketDownloads      = []byte("downloads")
	bucketPurchases      = []byte("purchases")
	bucketDatasets       = []byte("datasets")
	bucketLedger         = []byte("ledger")
	bucketLedgerSlots    = []byte("ledgerslots")
	bucketLedgerProofs   = []byte("ledgerproofs")
	bucketValidator      = []byte("validator")
	bucketApplied        = []byte("applied")

	keySchema = []byte("schema")
	keyCursor = []byte("head")
)

// allBuckets lists the buckets of the current schema, in dump order.
var allBuckets = [][]byte{
	bucketMeta, bucketAgents, bucketJournal, bucketQueue, bucketAvailabilities,
	bucketReservations, bucketCursor, bucketTxs, bucketDownloads,
	bucketPurchases, bucketDatasets, bucketLedger, bucketLedgerSlots,
	bucketValidator, bucketLedgerProofs, bucketApplied,
}

// startupBuckets are what a node loads when it starts (see prefetch).
var startupBuckets = [][]byte{
	bucketMeta, bucketAgents, bucketQueue, bucketAvailabilities,
	bucketReservations, bucketCursor, bucketTxs, bucketApplied,
}

// readSchema returns the schema version stored in meta, or 0 when the file
// has no meta bucket at all (a new, empty bbolt file), and whether the file
// holds any bucket.
func readSchema(btx *bolt.Tx) (version uint64, empty bool, err error) {
	meta := btx.Bucket(bucketMeta)
	if meta == nil {
		empty = true
		err = btx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			empty = false
			return nil
		})
		if err == nil && !empty {
			err = fmt.Errorf("%w: no meta bucket: not a slotd store", ErrCorrupt)
		}
		return 0, empty, err
	}
	v := meta.Get(keySchema)
	if len(v) != 8 {
		return 0, false, fmt.Errorf("%w: meta/schema is %d bytes, want 8", ErrCorrupt, len(v))
	}
	version = binary.BigEndian.Uint64(v)
	if version == 0 {
		return 0, false, fmt.Errorf("%w: meta/schema is 0", ErrCorrupt)
	}
	return version, false, nil
}

func writeSchema(btx *bolt.Tx, version uint64) error {
	meta, err := btx.CreateBucketIfNotExists(bucketMeta)
	if err != nil {
		return fmt.Errorf("create meta bucket: %w", err)
	}
	return meta.Put(keySchema, u64key(version))
}

// createBuckets makes every bucket of the current schema that is missing.
func createBuckets(btx *bolt.Tx) error {
	for _, name := range allBuckets {
		if _, err := btx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return nil
}

// newerSchemaError is the refusal an operator sees after a downgrade.
func newerSchemaError(path string, version uint64) error {
	return fmt.Errorf("%s: %w: the file has schema %d, this slotd knows up to %d: upgrade slotd (do not edit the file)",
		path, ErrNewerSchema, version, SchemaVersion)
}
