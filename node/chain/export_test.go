package chain

import "context"

// WaitFor blocks until the cursor has reached block n (it may have reached it
// and been rolled back since) or ctx ends. The tests wait on the ingestor
// with it; the node does not.
func (in *Ingestor) WaitFor(ctx context.Context, n uint64) error {
	for {
		in.mu.Lock()
		done, ch := in.loaded && in.cur.Number >= n, in.changed
		in.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
