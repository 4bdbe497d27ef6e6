package campaign

import (
	"context"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/ethclient"
)

// chainClock maps chain time to wall time from samples of the head: a
// reorg on anvil gives its new blocks the old blocks' timestamps, so chain
// time falls behind the wall clock and a period must be found by the
// blocks, not by the wall clock.
type chainClock struct {
	mu      sync.Mutex
	samples []clockSample
}

type clockSample struct {
	wall  time.Time
	chain uint64
}

// sample records the head's timestamp every half second until ctx ends.
func (c *chainClock) sample(ctx context.Context, eth *ethclient.Client) {
	for t := time.NewTicker(500 * time.Millisecond); ; {
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		if h, err := eth.HeaderByNumber(ctx, nil); err == nil {
			c.mu.Lock()
			c.samples = append(c.samples, clockSample{time.Now(), h.Time})
			c.mu.Unlock()
		}
	}
}

// wall is when the chain's head first reached ts (the wall clock's ts when
// no sample did, before the first or after the last).
func (c *chainClock) wall(ts uint64) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.samples {
		if s.chain >= ts {
			return s.wall.Add(-time.Duration(s.chain-ts) * time.Second)
		}
	}
	return time.Unix(int64(ts), 0)
}
