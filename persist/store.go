package persist

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime/debug"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Options tune Open. The zero value is what a node wants.
type Options struct {
	// LockTimeout bounds the wait for the file lock (default 1s): a second
	// node on the same data dir must fail fast, not hang.
	LockTimeout time.Duration
	// MaxBatch caps how many Update calls share one transaction (default
	// 256), which bounds the work redone when one of them fails.
	MaxBatch int
	// NoSync skips fsync. Only for tests and bulk fixtures: with it set, a
	// returned Update may be lost on power failure.
	NoSync bool
}

// Store is an open slotd store. Its methods are safe for concurrent use.
type Store struct {
	db       *bolt.DB
	path     string
	readOnly bool

	// group commit (commit.go)
	mu       sync.RWMutex // guards closed against in-flight sends on reqs
	closed   bool
	reqs     chan *request
	loopDone chan struct{}
	maxBatch int
}

// DefaultLockTimeout is the lock wait of Open when Options leave it zero.
const DefaultLockTimeout = time.Second

// Open opens the store at path for reading and writing, creating it if it
// does not exist and migrating an older schema in one transaction. It
// fails with ErrLocked when another process holds the file, ErrNewerSchema
// when a newer slotd wrote it and ErrCorrupt when it is damaged.
func Open(path string, opts *Options) (*Store, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.LockTimeout <= 0 {
		o.LockTimeout = DefaultLockTimeout
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 256
	}
	existed := true
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		existed = false
	} else if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	db, err := openBolt(path, &bolt.Options{Timeout: o.LockTimeout, NoSync: o.NoSync, FreelistType: bolt.FreelistMapType}, existed)
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, path: path, maxBatch: o.MaxBatch}
	if err := s.prepare(); err != nil {
		db.Close()
		return nil, err
	}
	s.reqs = make(chan *request)
	s.loopDone = make(chan struct{})
	go s.commitLoop()
	return s, nil
}

// OpenReadOnly opens an existing store without writing to it, for
// inspection while no node runs. It waits at most timeout for the shared
// lock (a running node holds an exclusive one) and then fails with an
// ErrLocked error that says how to get a live snapshot instead.
func OpenReadOnly(path string, timeout time.Duration) (*Store, error) {
	if timeout <= 0 {
		timeout = 200 * time.Millisecond
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	db, err := openBolt(path, &bolt.Options{Timeout: timeout, ReadOnly: true}, true)
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, path: path, readOnly: true, closed: false}
	err = s.View(func(tx *Tx) error {
		v, empty, err := readSchema(tx.btx)
		switch {
		case err != nil:
			return err
		case empty:
			return fmt.Errorf("%w: no meta bucket: not a slotd store", ErrCorrupt)
		case v > SchemaVersion:
			return newerSchemaError(path, v)
		case v < SchemaVersion:
			return fmt.Errorf("%s: %w: schema %d, this slotd writes %d; open it read-write (start the node, or dump a --copy) to migrate",
				path, ErrOldSchema, v, SchemaVersion)
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, corruptIfPanic(err))
	}
	return s, nil
}

// openBolt opens the bbolt file, turning a lock timeout into ErrLocked and
// a damaged file (including one that makes bbolt panic or fault) into
// ErrCorrupt.
//
// The file is locked and validated inside bbolt's OpenFile hook, on the
// descriptor bbolt then uses: validating before locking could read a page
// that a running node is rewriting and call a healthy store corrupt, and
// bbolt itself reads the meta pages and the freelist right after taking
// the lock. bbolt's own flock on the same descriptor then succeeds at
// once. A writable open also prefetches (see prefetch); a read-only one
// does not, since with the pages in the page cache the kernel's
// fault-around maps their neighbours too and a dump's RSS would grow.
func openBolt(path string, bo *bolt.Options, validate bool) (db *bolt.DB, err error) {
	var file *os.File
	var hookErr error
	bo.OpenFile = func(name string, flag int, perm os.FileMode) (*os.File, error) {
		f, err := os.OpenFile(name, flag, perm)
		if err != nil {
			return nil, err
		}
		if err := lockFile(f, !bo.ReadOnly, bo.Timeout); err != nil {
			f.Close()
			hookErr = err
			return nil, err
		}
		if fi, err := f.Stat(); validate || (err == nil && fi.Size() > 0) {
			if err := precheckFile(f, path); err != nil {
				f.Close()
				hookErr = err
				return nil, err
			}
		}
		if !bo.ReadOnly {
			prefetch(f)
		}
		file = f
		return f, nil
	}
	defer func() {
		if p := recover(); p != nil {
			// Close our descriptor. Had bbolt already mapped the file, the
			// mapping (and with it the lock) would stay until exit;
			// precheckFile validates everything bbolt reads before
			// that point so that this does not happen.
			if file != nil {
				file.Close()
			}
			db, err = nil, fmt.Errorf("%s: %w: bbolt panicked while opening: %v", path, ErrCorrupt, p)
		}
	}()
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	db, err = bolt.Open(path, 0o600, bo)
	switch {
	case err == nil:
		return db, nil
	case errors.Is(hookErr, berrors.ErrTimeout), errors.Is(err, berrors.ErrTimeout):
		return nil, lockedError(path)
	case hookErr != nil && errors.Is(hookErr, ErrCorrupt):
		return nil, hookErr
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrPermission):
		return nil, fmt.Errorf("open store %s: %w", path, err)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum),
		errors.Is(err, berrors.ErrVersionMismatch):
		return nil, fmt.Errorf("%s: %w: %v", path, ErrCorrupt, err)
	default:
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
}

func lockedError(path string) error {
	return fmt.Errorf("%s: %w: is a slotd node running? stop it, or use `slotd dump --live URL` / `slotd dump --copy`", path, ErrLocked)
}

// prepare initialises a new file, refuses a newer schema and migrates an
// older one; each in a single transaction.
func (s *Store) prepare() error {
	var version uint64
	var empty bool
	if err := s.viewRaw(func(btx *bolt.Tx) (err error) {
		version, empty, err = readSchema(btx)
		return err
	}); err != nil {
		return fmt.Errorf("open store %s: %w", s.path, corruptIfPanic(err))
	}
	switch {
	case version > SchemaVersion:
		return newerSchemaError(s.path, version)
	case version == SchemaVersion:
		return nil
	}
	err := s.db.Update(func(btx *bolt.Tx) error {
		if empty {
			if err := createBuckets(btx); err != nil {
				return err
			}
			return writeSchema(btx, SchemaVersion)
		}
		return migrate(btx, version)
	})
	if err != nil {
		return fmt.Errorf("open store %s: %w", s.path, err)
	}
	return nil
}

// Path is the file the store lives in.
func (s *Store) Path() string { return s.path }

// Close waits for queued updates to commit, then closes the file.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	if s.reqs != nil {
		close(s.reqs)
	}
	s.mu.Unlock()
	if s.loopDone != nil {
		<-s.loopDone
	}
	return s.db.Close()
}

// View runs fn in a read-only transaction: a consistent snapshot that does
// not block writers. A panic inside (a damaged page, or a bug in fn)
// becomes an error rather than killing the node.
func (s *Store) View(fn func(*Tx) error) error {
	s.mu.RLock()
	closed := s.closed
	s.mu.RUnlock()
	if closed {
		return ErrClosed
	}
	return s.viewRaw(func(btx *bolt.Tx) error { return fn(&Tx{btx: btx}) })
}

func (s *Store) viewRaw(fn func(*bolt.Tx) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &panicError{path: s.path, value: p}
		}
	}()
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	return s.db.View(fn)
}

// panicError is a panic recovered inside a transaction: a damaged page, or
// a bug in the caller's function.
type panicError struct {
	path  string
	value any
}

func (e *panicError) Error() string {
	return fmt.Sprintf("%s: transaction panicked (damaged store, or a bug): %v", e.path, e.value)
}

// corruptIfPanic marks a panic as corruption where no caller code ran
// (opening, schema checks, Check), so it can only have been the file.
func corruptIfPanic(err error) error {
	var pe *panicError
	if errors.As(err, &pe) {
		return fmt.Errorf("%w: %v", ErrCorrupt, pe.value)
	}
	return err
}
