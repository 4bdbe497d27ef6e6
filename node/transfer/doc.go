// Package transfer moves slot data between nodes over HTTP: it serves a
// node's datasets and hosted slots (Handler), and it fetches them, verifying
// every byte against the slot's Merkle tree before it is written
// (Downloader.DownloadSlot for a host's own slot, Downloader.RepairSlot to
// rebuild a lost slot from K others, RemoteSlot and FetchSources for a client
// that rebuilds a whole file).
//
// Trust flows from the dataset id alone. The id is the content root; a
// provider's manifest is accepted only if its slot roots hash to it; a slot's
// chunk roots only if they hash to its slot root; a range of bytes only if
// every 16 KiB chunk in it hashes to its chunk root. A provider that serves
// anything else is dropped for the rest of the transfer and reported.
//
// Provider discovery: the storage request's content.cid carries the base
// URLs where the client serves the dataset (EncodeProviders); every host
// that fills a slot serves it at the same paths, by (dataset id, slot index)
// as well as by slot id; a repairing host is given the request's URLs plus
// the peers its operator configured. Any URL may hold any slot: a provider
// that lacks one answers 404 and is skipped for that slot.
//
// Provider URLs are a stranger's input: by default a Downloader dials only
// public addresses (Options.AllowPrivate lifts it), gives each provider a
// failure budget per transfer, ends a transfer whose providers all spent it
// with ErrProvidersFailed (and does not try that set again for a while),
// and ends one past SlotRequest.Deadline with ErrDeadline. The Handler
// refuses range sets that would multiply its reply (MaxRanges, ascending,
// without overlap).
package transfer
