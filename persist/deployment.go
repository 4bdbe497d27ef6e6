package persist

// Deployment is the chain and contract a store's records belong to: its
// agents, cursor and transactions mean nothing against another one.
type Deployment struct {
	ChainID     uint64 `json:"chainId"`
	Marketplace string `json:"marketplace"` // 0x address, lower case
	StartBlock  uint64 `json:"startBlock"`  // where event replay starts
	// StartHash is the hash of block StartBlock: two dev chains have the
	// same id and, deployed alike, the same Marketplace address, but not
	// the same blocks.
	StartHash string `json:"startHash"`
}

var keyDeployment = []byte("deployment")

// Deployment returns the deployment recorded in the store, or ErrNotFound
// for a store that has none yet (new, or written before it was recorded).
func (tx *Tx) Deployment() (Deployment, error) {
	var d Deployment
	err := tx.get(bucketMeta, keyDeployment, &d)
	return d, err
}

// SetDeployment records the store's deployment.
func (tx *Tx) SetDeployment(d Deployment) error {
	return tx.put(bucketMeta, keyDeployment, d)
}
