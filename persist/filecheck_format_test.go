package persist

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestFileFormatMatchesBbolt pins filecheck.go's copy of bbolt's on-disk
// format: to the bbolt version in the build, and to what that bbolt says
// of a file it wrote (meta fields, and every page's type, element count
// and overflow through its exported Tx.Page). The file has branch pages,
// overflow values, nested and inline buckets and free pages.
// The version is go.mod's (a test binary carries no module versions).
func TestFileFormatMatchesBbolt(t *testing.T) {
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	var version string
	for line := range strings.Lines(string(mod)) {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "go.etcd.io/bbolt" {
			version = f[1]
		}
	}
	if strings.Contains(string(mod), "go.etcd.io/bbolt =>") {
		t.Fatal("go.mod replaces bbolt: pin the format to the replacement")
	}
	if version != bboltFormatVersion {
		t.Fatalf("bbolt is %s, but filecheck.go and prefetch_linux.go read the format of %s: "+
			"check their layout against bbolt's internal/common, then update bboltFormatVersion", version, bboltFormatVersion)
	}

	path := filepath.Join(t.TempDir(), "format.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{FreelistType: bolt.FreelistMapType})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		big, err := tx.CreateBucket([]byte("big"))
		if err != nil {
			return err
		}
		for i := range 3000 {
			if err := big.Put(fmt.Appendf(nil, "key-%06d", i), bytes.Repeat([]byte{byte(i)}, 40)); err != nil {
				return err
			}
		}
		if err := big.Put([]byte("overflow"), bytes.Repeat([]byte{7}, 20_000)); err != nil {
			return err
		}
		outer, err := tx.CreateBucket([]byte("outer"))
		if err != nil {
			return err
		}
		inline, err := outer.CreateBucket([]byte("inline"))
		if err != nil {
			return err
		}
		return inline.Put([]byte("k"), []byte("v"))
	})
	if err == nil {
		err = db.Update(func(tx *bolt.Tx) error { // frees pages
			b := tx.Bucket([]byte("big"))
			for i := range 1000 {
				if err := b.Delete(fmt.Appendf(nil, "key-%06d", i)); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err != nil {
		t.Fatal(err)
	}

	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	m, err := readFileMeta(f, fi.Size())
	if err != nil {
		t.Fatal(err)
	}
	w := &pageWalker{f: f, m: m, seen: make(map[uint64]bool)}
	w.freelist()
	w.tree(m.root, 0)
	if len(w.errs) > 0 {
		t.Fatalf("walking a file bbolt wrote: %v", w.errs)
	}

	typeOf := map[uint16]string{flagBranch: "branch", flagLeaf: "leaf", flagMeta: "meta", flagFreelist: "freelist"}
	kinds := map[string]int{}
	err = db.View(func(tx *bolt.Tx) error {
		if got, want := int(m.pageSize), db.Info().PageSize; got != want {
			t.Errorf("page size %d, bbolt says %d", got, want)
		}
		if got, want := int(m.txid), tx.ID(); got != want {
			t.Errorf("txid %d, bbolt says %d", got, want)
		}
		if got, want := int64(m.hwm)*int64(m.pageSize), tx.Size(); got != want {
			t.Errorf("high-water mark at %d bytes, bbolt says %d", got, want)
		}
		hdr := make([]byte, pageHeaderSize)
		for id := uint64(0); id < m.hwm; id++ {
			info, err := tx.Page(int(id))
			if err != nil || info == nil {
				return fmt.Errorf("bbolt's Page(%d): %v %v", id, info, err)
			}
			if _, err := f.ReadAt(hdr, int64(id)*int64(m.pageSize)); err != nil {
				return err
			}
			if info.Type == "free" {
				if w.seen[id] {
					t.Errorf("page %d: bbolt says free, the walker reached it", id)
				}
				kinds["free"]++
				continue
			}
			typ := typeOf[le.Uint16(hdr[8:])]
			count, overflow := int(le.Uint16(hdr[10:])), int(le.Uint32(hdr[12:]))
			if typ != info.Type || count != info.Count || overflow != info.OverflowCount {
				t.Errorf("page %d: read as %s, %d elements, %d overflow; bbolt says %s, %d, %d",
					id, typ, count, overflow, info.Type, info.Count, info.OverflowCount)
			}
			if id >= 2 && !w.seen[id] {
				t.Errorf("page %d (%s): in use, but the walker did not reach it", id, info.Type)
			}
			kinds[info.Type]++
			id += uint64(overflow)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"meta", "freelist", "branch", "leaf", "free"} {
		if kinds[k] == 0 {
			t.Errorf("the file has no %s page; the test covers less than it claims (%v)", k, kinds)
		}
	}
	t.Logf("pages by kind: %v", kinds)
}
