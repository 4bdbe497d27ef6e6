// Package datastore keeps a node's data on disk: the datasets it uploaded as
// a client (erasure-coded into slots, with their cell trees) and the slots it
// holds as a host.
//
// A dataset of F bytes becomes N = K + M slots of equal size: the file is
// streamed stripe by stripe, each stripe cut into K data shards and extended
// with M Reed-Solomon parity shards, shard i appended to slot i. Any K slots
// rebuild the file. The last cell of the encoded stream is a trailer carrying
// the file's size, its SHA-256 and the coding parameters, so everything a
// downloader needs to rebuild and check the file is covered by the slot roots,
// and hence by the content root (the dataset id): a provider's manifest is
// only a hint that is checked against it. See Layout for the exact geometry.
//
// On disk, under the node's data directory:
//
//	datasets/<cid>/manifest.json    the dataset's Manifest
//	datasets/<cid>/slot-<i>.bin     slot i's bytes
//	datasets/<cid>/slot-<i>.tree    slot i's chunk roots (proof.SlotTree.WriteTo)
//	datasets/.partial-<random>/     an upload in progress; removed by Open
//	slots/<slotId>.bin              a hosted slot's bytes (written by a download)
//	slots/<slotId>.tree             its chunk roots
//	slots/<slotId>.json             its HostedSlot record; written last, so a
//	                                slot without it is incomplete and never served
//	slots/.index                    (slot id, cid, index) of each record, appended
//	                                after it: Open reads this, not 10,000 records
//	                                (a cache the records overrule; slot_index.go)
//
// An upload is written into a partial directory, fsynced, and renamed into
// place, so a crash mid-upload never leaves a dataset that could be served.
package datastore
