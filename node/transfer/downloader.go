package transfer

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/slotd/slotd/contracts/proof"
	"github.com/slotd/slotd/node/datastore"
)

// Options tune a Downloader. Zero fields take the defaults in parentheses.
type Options struct {
	Client *http.Client // (a client with a keep-alive pool sized for Parallel)
	// AllowPrivate lets the default client fetch from loopback and private
	// addresses (a devnet, a test, a LAN deployment); without it only public
	// addresses are dialled. It does not apply to a Client given here.
	AllowPrivate   bool
	BlockSize      uint64        // bytes per range request, a multiple of 16 KiB (1 MiB)
	Parallel       int           // range requests in flight per slot (4)
	MaxAttempts    int           // transient failures per range before giving up (8)
	BackoffMin     time.Duration // first wait after a transient failure (100 ms)
	BackoffMax     time.Duration // longest wait (5 s)
	RequestTimeout time.Duration // bound on one HTTP request (2 min)
	// ProviderFailures and ProviderStall are a provider's failure budget in
	// one transfer: after that many transient failures in a row (8), or
	// failing for that long without a success (2 min), it is given up.
	ProviderFailures int
	ProviderStall    time.Duration
	// GiveUpFor is how long a set of providers that all spent their budget
	// is not tried again by this downloader (1 h).
	GiveUpFor time.Duration
	// SyncBytes is how much newly verified data may be waiting for an fsync
	// and a progress record: what a crash can cost in refetching (16 MiB).
	SyncBytes uint64
	// OnProgress, when set, is called with the verified bytes of the slot
	// each time progress is recorded.
	OnProgress func(done, total uint64)
	// OnFault, when set, is called when a provider is dropped for bad data.
	OnFault func(provider string, err error)
}

func (o *Options) withDefaults() Options {
	var r Options
	if o != nil {
		r = *o
	}
	if r.BlockSize == 0 {
		r.BlockSize = 1 << 20
	}
	r.BlockSize = max(r.BlockSize/datastore.StripeUnit, 1) * datastore.StripeUnit
	if r.Parallel <= 0 {
		r.Parallel = 4
	}
	if r.MaxAttempts <= 0 {
		r.MaxAttempts = 8
	}
	if r.BackoffMin <= 0 {
		r.BackoffMin = 100 * time.Millisecond
	}
	if r.BackoffMax <= 0 {
		r.BackoffMax = 5 * time.Second
	}
	if r.RequestTimeout <= 0 {
		r.RequestTimeout = 2 * time.Minute
	}
	if r.ProviderFailures <= 0 {
		r.ProviderFailures = 8
	}
	if r.ProviderStall <= 0 {
		r.ProviderStall = 2 * time.Minute
	}
	if r.GiveUpFor <= 0 {
		r.GiveUpFor = time.Hour
	}
	if r.SyncBytes == 0 {
		r.SyncBytes = 16 << 20
	}
	return r
}

// Downloader fetches slots from providers into a node's data store.
type Downloader struct {
	store    *datastore.Store
	progress ProgressStore
	opt      Options
	client   *http.Client
	gaveUp   giveUps
}

// NewDownloader returns a downloader writing into store and recording
// progress in progress (which may be nil only for RemoteSources and
// DownloadFile, which keep none).
func NewDownloader(store *datastore.Store, progress ProgressStore, opt *Options) *Downloader {
	d := &Downloader{store: store, progress: progress, opt: opt.withDefaults()}
	d.client = d.opt.Client
	if d.client == nil {
		policy := publicPort
		if d.opt.AllowPrivate {
			policy = nil
		}
		d.client = newClient(policy)
	}
	return d
}

// CloseIdleConnections closes the keep-alive connections the downloader's
// client holds (and the goroutines that serve them).
func (d *Downloader) CloseIdleConnections() { d.client.CloseIdleConnections() }

// SlotRequest names a slot to fetch and where to look for it.
type SlotRequest struct {
	SlotID    proof.Hash    // where it is stored and how progress is keyed
	CID       datastore.CID // the dataset: the request's content.merkleRoot
	Index     int           // the slot's index in the request
	Providers []string      // base URLs (DecodeProviders plus configured peers)
	// SlotSize, when not zero, is the size the request promises (ask.slotSize);
	// a manifest that disagrees is refused.
	SlotSize uint64
	// Manifest, when set, is used instead of fetching one; it is verified
	// against CID all the same.
	Manifest *datastore.Manifest
	// Deadline, when set, ends the transfer with ErrDeadline (a host sets
	// the request's expiry: a slot fetched later cannot be filled).
	Deadline time.Time
}

// Result describes a finished slot transfer.
type Result struct {
	Root    proof.Hash
	Size    uint64
	Fetched uint64  // slot bytes received from providers in this run, including rejected ones
	Resumed uint64  // bytes verified by an earlier run and not fetched again
	Faults  []Fault // providers dropped for serving bad data
}

func manifestURL(base string, cid datastore.CID) string {
	return base + "/api/v1/data/" + cid.Hex() + "/manifest"
}

func slotURL(base string, cid datastore.CID, i int) string {
	return base + "/api/v1/data/" + cid.Hex() + "/slots/" + strconv.Itoa(i)
}

func (s *session) manifest(ctx context.Context, cid datastore.CID, providers []string, given *datastore.Manifest) (*datastore.Manifest, error) {
	if given != nil {
		if err := given.Verify(cid); err != nil {
			return nil, err
		}
		return given, nil
	}
	var m *datastore.Manifest
	err := s.try(ctx, s.pool(providers), "fetch manifest of "+cid.Hex(), func(ctx context.Context, base string) error {
		b, err := s.d.getSmall(ctx, manifestURL(base, cid), datastore.MaxManifestBytes)
		if err != nil {
			return err
		}
		got, err := datastore.ReadManifest(bytes.NewReader(b), cid)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrBadData, err)
		}
		m = got
		return nil
	})
	return m, err
}

// fetchTree gets slot index's chunk roots from p and checks them against
// root and the slot's cell count.
func (s *session) fetchTree(ctx context.Context, p *pool, cid datastore.CID, index int, root proof.Hash, cells uint64) (*proof.SlotTree, error) {
	chunkCells := proof.NewChunkHasher(cells).ChunkSize() / proof.CellSize
	limit := int64(16 + 32*((cells+uint64(chunkCells)-1)/uint64(chunkCells)))
	var tree *proof.SlotTree
	err := s.try(ctx, p, fmt.Sprintf("fetch tree of slot %d", index), func(ctx context.Context, base string) error {
		b, err := s.d.getSmall(ctx, slotURL(base, cid, index)+"/tree", limit)
		if err != nil {
			return err
		}
		t, err := proof.ReadSlotTree(bytes.NewReader(b), root)
		if err != nil {
			return fmt.Errorf("%w: tree of slot %d: %w", ErrBadData, index, err)
		}
		if t.Cells() != cells {
			return fmt.Errorf("%w: tree of slot %d has %d cells, want %d", ErrBadData, index, t.Cells(), cells)
		}
		tree = t
		return nil
	})
	return tree, err
}

// chunkHasher computes chunk roots: a proof.TreeHasher on all cores, or a
// proof.ChunkHasher on the caller's goroutine.
type chunkHasher interface {
	ChunkSize() int
	Roots(data []byte, roots []proof.Hash)
}

// verifyChunks checks buf, which starts at chunk first of the slot, against
// the tree's chunk roots, and stores the roots it computes in roots (if not
// nil: a slice over the whole slot).
func verifyChunks(h chunkHasher, tree *proof.SlotTree, first uint64, buf []byte, roots []proof.Hash) error {
	cs := h.ChunkSize()
	want := tree.Chunks()
	n := (len(buf) + cs - 1) / cs
	if first+uint64(n) > uint64(len(want)) {
		return fmt.Errorf("%w: chunks %d-%d are past the slot's end (%d chunks)", ErrBadData, first, first+uint64(n)-1, len(want))
	}
	got := make([]proof.Hash, n)
	if roots != nil {
		got = roots[first : first+uint64(n)]
	}
	h.Roots(buf, got)
	for c := range got {
		if idx := first + uint64(c); got[c] != want[idx] {
			return fmt.Errorf("%w: chunk %d (bytes %d-%d) does not match its root", ErrBadData, idx, idx*uint64(cs), idx*uint64(cs)+uint64(min(cs, len(buf)-c*cs))-1)
		}
	}
	return nil
}
