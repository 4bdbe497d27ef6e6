package datastore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/slotd/slotd/contracts/proof"
)

// ErrNotFound reports a dataset or slot this node does not hold.
var ErrNotFound = errors.New("not found")

// Recorder indexes datasets in the node's store once they are safely on disk.
// The directory stays the source of truth: a dataset whose record failed is
// still served, and RecordAll re-records every dataset.
type Recorder interface {
	// RecordDatasets records ms, each stored in the directory dirOf names,
	// in one step; recording a dataset again is harmless.
	RecordDatasets(ctx context.Context, ms []*Manifest, dirOf func(CID) string) error
}

// Options configure Open. The zero value is usable.
type Options struct {
	Recorder Recorder // nil: datasets are not recorded anywhere else
	// Shared says another process (a running node) may be using the
	// directory, so Open must not clean what looks like an abandoned
	// partial upload: it may be that process's upload in progress. The
	// owner of the directory (the process holding the node's store lock)
	// leaves it false.
	Shared bool
}

// Store is the data directory of one node. Its methods are safe for
// concurrent use.
type Store struct {
	dir string
	rec Recorder

	mu     sync.Mutex
	hosted map[slotKey]proof.Hash // (cid, index) → slot id of a complete hosted slot

	indexMu sync.Mutex // serialises writes to the hosted slots' index file
}

type slotKey struct {
	cid   CID
	index int
}

// Slot locates one slot's files.
type Slot struct {
	Root     proof.Hash
	Size     uint64
	DataPath string
	TreePath string
}

// HostedSlot is the record of a slot this node downloaded (or repaired) as a
// host. It carries the dataset's manifest so the node can serve the slot to
// the next host by (cid, index) as well as by slot id.
type HostedSlot struct {
	SlotID   proof.Hash `json:"slotId"`
	CID      CID        `json:"cid"`
	Index    int        `json:"index"`
	Root     proof.Hash `json:"root"`
	Size     uint64     `json:"size"`
	Manifest *Manifest  `json:"manifest"`
	Stored   time.Time  `json:"stored"`
}

const (
	datasetsDir   = "datasets"
	slotsDir      = "slots"
	partialPrefix = ".partial-"
	tmpPrefix     = ".tmp-"
	manifestName  = "manifest.json"
)

// Open opens (creating if needed) the data directory dir. Unless
// opts.Shared, it removes the partial uploads a crash left behind. It
// indexes the hosted slots.
func Open(dir string, opts *Options) (*Store, error) {
	// Absolute, so that paths recorded in progress records still match
	// when the node restarts from another working directory.
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("open data dir: %w", err)
	}
	s := &Store{dir: dir, hosted: map[slotKey]proof.Hash{}}
	var o Options
	if opts != nil {
		o = *opts
	}
	s.rec = o.Recorder
	for _, d := range []string{datasetsDir, slotsDir} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return nil, fmt.Errorf("open data dir: %w", err)
		}
	}
	if _, err := s.listClean(datasetsDir, !o.Shared); err != nil {
		return nil, err
	}
	// One listing of the slots directory serves both the cleaning and the
	// index: it holds three files per hosted slot.
	names, err := s.listClean(slotsDir, !o.Shared)
	if err != nil {
		return nil, err
	}
	if err := s.indexHosted(names, o.Shared); err != nil {
		return nil, err
	}
	return s, nil
}

// Dir is the data directory.
func (s *Store) Dir() string { return s.dir }

// listClean lists the names in the data directory's subdirectory d; with
// clean, it first removes the partial uploads and temporary files a crash
// left there, and leaves them out.
func (s *Store) listClean(d string, clean bool) ([]string, error) {
	ents, err := os.ReadDir(filepath.Join(s.dir, d))
	if err != nil {
		return nil, fmt.Errorf("open data dir: %w", err)
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		n := e.Name()
		if clean && (strings.HasPrefix(n, partialPrefix) || strings.HasPrefix(n, tmpPrefix)) {
			if err := os.RemoveAll(filepath.Join(s.dir, d, n)); err != nil {
				return nil, fmt.Errorf("remove partial upload: %w", err)
			}
			continue
		}
		names = append(names, n)
	}
	return names, nil
}

func slotName(i int) string { return fmt.Sprintf("slot-%d.bin", i) }
func treeName(i int) string { return fmt.Sprintf("slot-%d.tree", i) }

// Manifest returns the manifest of dataset cid, from an uploaded dataset or
// from a hosted slot of it.
func (s *Store) Manifest(cid CID) (*Manifest, error) {
	m, err := s.readManifest(cid)
	if !errors.Is(err, ErrNotFound) {
		return m, err
	}
	s.mu.Lock()
	var slot proof.Hash
	var found bool
	for k, id := range s.hosted {
		if k.cid == cid {
			slot, found = id, true
			break
		}
	}
	s.mu.Unlock()
	if !found {
		return nil, fmt.Errorf("dataset %s: %w", cid, ErrNotFound)
	}
	h, err := s.HostedSlot(slot)
	if err != nil {
		return nil, err
	}
	if h.CID != cid { // the index said so, but the record is the truth
		return nil, fmt.Errorf("dataset %s: hosted slot %s is of dataset %s: %w", cid, slot, h.CID, ErrNotFound)
	}
	return h.Manifest, nil
}

func (s *Store) readManifest(cid CID) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(s.DatasetDir(cid), manifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("dataset %s: %w", cid, ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("dataset %s: %w", cid, err)
	}
	m, err := ReadManifest(bytes.NewReader(b), cid)
	if err != nil {
		return nil, fmt.Errorf("dataset %s: %w", cid, err)
	}
	return m, nil
}

// Datasets lists the datasets uploaded to this node, by id.
func (s *Store) Datasets() ([]*Manifest, error) {
	ents, err := os.ReadDir(filepath.Join(s.dir, datasetsDir))
	if err != nil {
		return nil, fmt.Errorf("list datasets: %w", err)
	}
	var out []*Manifest
	for _, e := range ents {
		cid, err := ParseCID(e.Name())
		if err != nil || !e.IsDir() {
			continue
		}
		m, err := s.readManifest(cid)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// RecordAll passes every dataset to the Recorder, for a node that starts
// with a store that missed some (a crash between rename and record).
func (s *Store) RecordAll(ctx context.Context) error {
	if s.rec == nil {
		return nil
	}
	ms, err := s.Datasets()
	if err != nil || len(ms) == 0 {
		return err
	}
	if err := s.rec.RecordDatasets(ctx, ms, s.DatasetDir); err != nil {
		return fmt.Errorf("record %d datasets: %w", len(ms), err)
	}
	return nil
}

// DatasetSlot locates slot i of dataset cid, uploaded here or hosted here.
func (s *Store) DatasetSlot(cid CID, i int) (Slot, error) {
	m, err := s.readManifest(cid)
	switch {
	case err == nil:
		if i < 0 || i >= len(m.SlotRoots) {
			return Slot{}, fmt.Errorf("dataset %s slot %d: %w", cid, i, ErrNotFound)
		}
		d := s.DatasetDir(cid)
		return Slot{Root: m.SlotRoots[i], Size: m.SlotSize,
			DataPath: filepath.Join(d, slotName(i)), TreePath: filepath.Join(d, treeName(i))}, nil
	case !errors.Is(err, ErrNotFound):
		return Slot{}, err
	}
	s.mu.Lock()
	id, ok := s.hosted[slotKey{cid, i}]
	s.mu.Unlock()
	if !ok {
		return Slot{}, fmt.Errorf("dataset %s slot %d: %w", cid, i, ErrNotFound)
	}
	h, err := s.HostedSlot(id)
	if err != nil {
		return Slot{}, err
	}
	if h.CID != cid || h.Index != i { // the index said so, but the record is the truth
		return Slot{}, fmt.Errorf("dataset %s slot %d: hosted slot %s is slot %d of %s: %w", cid, i, id, h.Index, h.CID, ErrNotFound)
	}
	data, tree := s.HostedSlotPaths(id)
	return Slot{Root: h.Root, Size: h.Size, DataPath: data, TreePath: tree}, nil
}

// HostedSlotPaths are where a hosted slot's data and tree live (or will).
func (s *Store) HostedSlotPaths(slotID proof.Hash) (data, tree string) {
	base := filepath.Join(s.dir, slotsDir, slotID.Hex())
	return base + ".bin", base + ".tree"
}

func (s *Store) hostedRecordPath(slotID proof.Hash) string {
	return filepath.Join(s.dir, slotsDir, slotID.Hex()+".json")
}

// HostedSlot returns the record of a complete hosted slot.
func (s *Store) HostedSlot(slotID proof.Hash) (*HostedSlot, error) {
	b, err := os.ReadFile(s.hostedRecordPath(slotID))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("hosted slot %s: %w", slotID, ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("hosted slot %s: %w", slotID, err)
	}
	var h HostedSlot
	if err := json.Unmarshal(b, &h); err != nil {
		return nil, fmt.Errorf("hosted slot %s: decode record: %w", slotID, err)
	}
	if h.SlotID != slotID || h.Manifest == nil {
		return nil, fmt.Errorf("hosted slot %s: record is for %s or has no manifest", slotID, h.SlotID)
	}
	if err := h.Manifest.Verify(h.CID); err != nil {
		return nil, fmt.Errorf("hosted slot %s: %w", slotID, err)
	}
	if h.Index < 0 || h.Index >= len(h.Manifest.SlotRoots) || h.Manifest.SlotRoots[h.Index] != h.Root {
		return nil, fmt.Errorf("hosted slot %s: index %d and root do not match the manifest", slotID, h.Index)
	}
	return &h, nil
}

// HostedSlotFiles locates a complete hosted slot.
func (s *Store) HostedSlotFiles(slotID proof.Hash) (Slot, error) {
	h, err := s.HostedSlot(slotID)
	if err != nil {
		return Slot{}, err
	}
	data, tree := s.HostedSlotPaths(slotID)
	return Slot{Root: h.Root, Size: h.Size, DataPath: data, TreePath: tree}, nil
}

// CommitHostedSlot makes a downloaded slot complete: it writes the slot's tree
// and then its record (both fsynced), after which the slot is served. The
// caller has written and fsynced the data at HostedSlotPaths and checked that
// tree's root is h.Root.
func (s *Store) CommitHostedSlot(h *HostedSlot, tree *proof.SlotTree) error {
	if tree.Root() != h.Root || h.Manifest == nil || h.Index < 0 || h.Index >= len(h.Manifest.SlotRoots) ||
		h.Manifest.SlotRoots[h.Index] != h.Root {
		return fmt.Errorf("commit hosted slot %s: root, index and manifest disagree", h.SlotID)
	}
	_, treePath := s.HostedSlotPaths(h.SlotID)
	var buf bytes.Buffer
	if _, err := tree.WriteTo(&buf); err != nil {
		return err
	}
	if err := writeFileAtomic(treePath, buf.Bytes()); err != nil {
		return fmt.Errorf("commit hosted slot %s: %w", h.SlotID, err)
	}
	if h.Stored.IsZero() {
		h.Stored = time.Now().UTC()
	}
	rec, err := json.MarshalIndent(h, "", "  ")
	if err != nil {
		return fmt.Errorf("commit hosted slot %s: %w", h.SlotID, err)
	}
	if err := writeFileAtomic(s.hostedRecordPath(h.SlotID), rec); err != nil {
		return fmt.Errorf("commit hosted slot %s: %w", h.SlotID, err)
	}
	s.mu.Lock()
	s.hosted[slotKey{h.CID, h.Index}] = h.SlotID
	s.mu.Unlock()
	// The slot is committed and served whatever happens here: an entry the
	// index lacks only costs a read of this record at the next Open.
	_ = s.appendSlotIndex(hostedHead{SlotID: h.SlotID, CID: h.CID, Index: h.Index})
	return nil
}

// HostedSlotIDs lists, in id order, the slots with anything on disk:
// complete hosted slots and partial downloads without a record yet.
func (s *Store) HostedSlotIDs() ([]proof.Hash, error) {
	ents, err := os.ReadDir(filepath.Join(s.dir, slotsDir))
	if err != nil {
		return nil, fmt.Errorf("list hosted slots: %w", err)
	}
	var ids []proof.Hash
	for _, e := range ents {
		ext := filepath.Ext(e.Name())
		if ext != ".json" && ext != ".bin" && ext != ".tree" {
			continue
		}
		id, err := ParseHash("slot id", strings.TrimSuffix(e.Name(), ext))
		if err != nil {
			continue
		}
		if n := len(ids); n == 0 || ids[n-1] != id { // ReadDir sorts: a slot's files are adjacent
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// RemoveHostedSlot deletes a hosted slot (record first, so a crash midway
// leaves an unserved slot rather than a served one without data).
func (s *Store) RemoveHostedSlot(slotID proof.Hash) error {
	h, err := s.HostedSlot(slotID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	if h != nil {
		s.mu.Lock()
		delete(s.hosted, slotKey{h.CID, h.Index})
		s.mu.Unlock()
	}
	data, tree := s.HostedSlotPaths(slotID)
	for _, p := range []string{s.hostedRecordPath(slotID), tree, data} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove hosted slot %s: %w", slotID, err)
		}
	}
	return syncDir(filepath.Join(s.dir, slotsDir))
}
