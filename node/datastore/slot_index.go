package datastore

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/slotd/slotd/contracts/proof"
)

// slotIndexName is the hosted slots' index file, in the slots directory:
// one line per committed slot, "<slotId> <cid> <index> <crc32>", appended
// after the slot's record is written. Open reads it instead of the
// 10,000 records of a host holding 10,000 slots (a second to parse each
// record's head at start).
//
// The records stay the source of truth and the index is only a cache of
// them: an entry counts only while its slot's record file exists, a record
// without an entry (an append lost to a crash, a file written by an older
// slotd) is read as before, and a line that does not parse or check (a
// torn append) is ignored. Since a slot id is derived from its request and
// index and the request names the dataset, a slot id's (cid, index) never
// changes, so an entry whose record exists cannot be stale. Nothing is
// fsynced for the same reason: losing appends costs record reads at the
// next Open, not correctness. Open rewrites the file when it found it
// incomplete or holding dead entries.
const slotIndexName = ".index"

func (s *Store) slotIndexPath() string { return filepath.Join(s.dir, slotsDir, slotIndexName) }

// indexLine is the index's line for h.
func indexLine(h hostedHead) []byte {
	b := make([]byte, 0, 150)
	b = hex.AppendEncode(b, h.SlotID[:])
	b = append(b, ' ')
	b = hex.AppendEncode(b, h.CID[:])
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(h.Index), 10)
	sum := crc32.ChecksumIEEE(b)
	b = append(b, ' ')
	b = fmt.Appendf(b, "%08x", sum)
	return append(b, '\n')
}

// parseIndexLine reads one line of the index (without its newline).
func parseIndexLine(line []byte) (hostedHead, bool) {
	sp := bytes.LastIndexByte(line, ' ')
	if sp < 0 {
		return hostedHead{}, false
	}
	sum, err := strconv.ParseUint(string(line[sp+1:]), 16, 32)
	if err != nil || len(line[sp+1:]) != 8 || uint32(sum) != crc32.ChecksumIEEE(line[:sp]) {
		return hostedHead{}, false
	}
	f := strings.Fields(string(line[:sp]))
	if len(f) != 3 || len(f[0]) != 64 || len(f[1]) != 64 {
		return hostedHead{}, false
	}
	var h hostedHead
	if _, err := hex.Decode(h.SlotID[:], []byte(f[0])); err != nil {
		return hostedHead{}, false
	}
	if _, err := hex.Decode(h.CID[:], []byte(f[1])); err != nil {
		return hostedHead{}, false
	}
	i, err := strconv.Atoi(f[2])
	if err != nil || i < 0 {
		return hostedHead{}, false
	}
	h.Index = i
	return h, true
}

// readSlotIndex reads the index file: the last entry of each slot id, and
// whether the file held anything it could not use (a torn or damaged
// line), or could not be read at all (missing, or not a file): then every
// record is read, as before the index.
func (s *Store) readSlotIndex() (map[proof.Hash]hostedHead, bool) {
	b, err := os.ReadFile(s.slotIndexPath())
	if err != nil {
		return map[proof.Hash]hostedHead{}, true
	}
	out := make(map[proof.Hash]hostedHead, len(b)/150)
	damaged := false
	for len(b) > 0 {
		nl := bytes.IndexByte(b, '\n')
		if nl < 0 {
			damaged = true // a torn last append
			break
		}
		if h, ok := parseIndexLine(b[:nl]); ok {
			out[h.SlotID] = h
		} else {
			damaged = true
		}
		b = b[nl+1:]
	}
	return out, damaged
}

// appendSlotIndex adds h's entry. It opens the file for each append, so
// that an Open in another process that rewrote the index in the meantime
// is appended to, not an unlinked file.
func (s *Store) appendSlotIndex(h hostedHead) error {
	s.indexMu.Lock()
	defer s.indexMu.Unlock()
	f, err := os.OpenFile(s.slotIndexPath(), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("append to hosted slot index: %w", err)
	}
	if _, err := f.Write(indexLine(h)); err != nil {
		f.Close()
		return fmt.Errorf("append to hosted slot index: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("append to hosted slot index: %w", err)
	}
	return nil
}

// writeSlotIndex replaces the index with heads, one line each.
func (s *Store) writeSlotIndex(heads []hostedHead) error {
	s.indexMu.Lock()
	defer s.indexMu.Unlock()
	var buf bytes.Buffer
	buf.Grow(len(heads) * 150)
	for _, h := range heads {
		buf.Write(indexLine(h))
	}
	if err := writeFileAtomic(s.slotIndexPath(), buf.Bytes()); err != nil {
		return fmt.Errorf("rewrite hosted slot index: %w", err)
	}
	return nil
}

// indexHosted fills the (cid, index) → slot id map from the index file,
// checked against the record files listed in the slots directory, and
// reads the records the index lacks. Unless the directory is shared, it
// rewrites an index that was incomplete or held dead entries, if it can.
func (s *Store) indexHosted(names []string, shared bool) error {
	indexed, dirty := s.readSlotIndex()
	heads := make([]hostedHead, 0, len(names))
	for _, name := range names {
		id, ok := strings.CutSuffix(name, ".json")
		if !ok {
			continue
		}
		slot, err := ParseHash("slot id", id)
		if err != nil {
			continue
		}
		h, ok := indexed[slot]
		if ok {
			delete(indexed, slot)
		} else {
			dirty = true
			if h, err = s.readHead(slot); err != nil {
				return err
			}
		}
		s.hosted[slotKey{h.CID, h.Index}] = h.SlotID
		heads = append(heads, h)
	}
	if len(indexed) > 0 {
		dirty = true // entries of removed slots
	}
	if dirty && !shared {
		// Best effort, like the appends: a directory that cannot be
		// written now (read-only, full) still opens, and the next Open
		// reads the records the index lacks again.
		_ = s.writeSlotIndex(heads)
	}
	return nil
}

// readHead reads the head of slot's record, from the record itself.
func (s *Store) readHead(slot proof.Hash) (hostedHead, error) {
	h, err := readHostedHead(s.hostedRecordPath(slot))
	if errors.Is(err, errNoHead) {
		full, err := s.HostedSlot(slot) // its errors name the slot
		if err != nil {
			return hostedHead{}, err
		}
		h = hostedHead{SlotID: full.SlotID, CID: full.CID, Index: full.Index}
	} else if err != nil {
		return hostedHead{}, fmt.Errorf("hosted slot %s: %w", slot, err)
	}
	if h.SlotID != slot {
		return hostedHead{}, fmt.Errorf("hosted slot %s: record is for %s", slot, h.SlotID)
	}
	return h, nil
}
