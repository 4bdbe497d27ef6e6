package persist

import "syscall"

// ReleaseMapped drops the store's file pages from this process's page
// tables. bbolt reads through a shared read-only mapping of the file, and
// every page a long scan touches stays mapped, so a dump of a large store
// would otherwise grow to the size of the file in RSS (as page cache: it
// is reclaimable, but it counts). The pages stay in the page cache and
// fault back in on the next access; since bbolt never writes through the
// mapping they are always clean, so nothing is lost. Streaming readers
// call this every few thousand records. It does nothing in a writable
// transaction.
func (tx *Tx) ReleaseMapped() {
	if tx.btx.Writable() {
		return
	}
	// While this read transaction is open bbolt cannot remap, so the range
	// [Data, Data+Size) stays the mapping of this file.
	info := tx.btx.DB().Info()
	size := tx.btx.Size()
	if info.Data == 0 || size <= 0 {
		return
	}
	syscall.Syscall(syscall.SYS_MADVISE, info.Data, uintptr(size), syscall.MADV_DONTNEED)
}
