package persist

var keyAccount = []byte("account")

// Account returns the address (0x…, lower case) of the key the store's
// transactions are signed with, or ErrNotFound for a store that has none
// yet (new, or written before it was recorded).
func (tx *Tx) Account() (string, error) {
	var a string
	err := tx.get(bucketMeta, keyAccount, &a)
	return a, err
}

// SetAccount records the address of the key the store signs with.
func (tx *Tx) SetAccount(addr string) error {
	return tx.put(bucketMeta, keyAccount, addr)
}
