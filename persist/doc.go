// Package persist is slotd's crash-safe store: one bbolt file holding the
// sales agents and their journals, the slot queue, availabilities and their
// reservations, the chain cursor, the transaction intents, downloads,
// purchases and datasets, the request/slot ledger and the validator's
// watched slots (the last two kept by the chain ingestor with the cursor).
//
// Every state change goes through Store.Update, which runs the caller's
// function inside a bbolt read-write transaction shared with other
// concurrent callers (group commit): one fsync covers many writers, and
// when Update returns nil the change is on disk. The helpers on Tx
// (Transition, Reserve, Release, ...) make the invariants of the sales
// engine hold inside one transaction: an agent's state and its journal
// entry always commit together, and finding and reserving space in an
// availability is one step, so it can never be overbooked.
//
// Values are one version byte followed by JSON, so a future binary can
// migrate them and an operator can read them; keys are big-endian so that
// bbolt's byte order is numeric order. See schema.go for the layout.
package persist
