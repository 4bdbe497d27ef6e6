package persist

import "errors"

// Sentinel errors. They are always wrapped with context (the file, the
// bucket, the key); test for them with errors.Is.
var (
	// ErrLocked: another process (usually a running node) holds the file.
	ErrLocked = errors.New("store is locked by another process")
	// ErrNewerSchema: the file was written by a newer slotd; refusing it is
	// safer than guessing what its fields mean.
	ErrNewerSchema = errors.New("store schema is newer than this slotd")
	// ErrOldSchema: the file needs a migration, which a read-only open
	// cannot do.
	ErrOldSchema = errors.New("store schema is older than this slotd and needs a migration")
	// ErrCorrupt: the file or a value in it is damaged or truncated.
	ErrCorrupt = errors.New("store is corrupt")
	// ErrNotFound: no such record.
	ErrNotFound = errors.New("not found")
	// ErrInsufficientSpace: an availability has fewer free bytes than a
	// reservation asks for.
	ErrInsufficientSpace = errors.New("insufficient free space in availability")
	// ErrConflict: the stored state is not what the caller expected (for
	// example a transition whose From is not the agent's current state).
	ErrConflict = errors.New("conflict with stored state")
	// ErrClosed: the store has been closed.
	ErrClosed = errors.New("store is closed")
	// ErrReadOnly: a write on a store opened read-only.
	ErrReadOnly = errors.New("store is read-only")
)

func ignoreNotFound(err error) error {
	if err != nil && errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}
