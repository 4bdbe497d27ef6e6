package contracts

import (
	"sync"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/core/types"
)

// eventSub decodes a log subscription into events; it owns one goroutine
// that ends when the subscription is unsubscribed or fails.
type eventSub struct {
	inner ethereum.Subscription
	quit  chan struct{}
	errc  chan error
	once  sync.Once
	done  chan struct{}
}

func newEventSub(inner ethereum.Subscription, logs <-chan types.Log, sink chan<- Event) *eventSub {
	s := &eventSub{inner: inner, quit: make(chan struct{}), errc: make(chan error, 1), done: make(chan struct{})}
	go s.loop(logs, sink)
	return s
}

func (s *eventSub) loop(logs <-chan types.Log, sink chan<- Event) {
	defer close(s.done)
	for {
		select {
		case <-s.quit:
			return
		case err := <-s.inner.Err():
			s.errc <- err
			return
		case l := <-logs:
			e, err := DecodeLog(&l)
			if err != nil {
				continue
			}
			select {
			case sink <- e:
			case <-s.quit:
				return
			}
		}
	}
}

func (s *eventSub) Err() <-chan error { return s.errc }

func (s *eventSub) Unsubscribe() {
	s.once.Do(func() {
		s.inner.Unsubscribe()
		close(s.quit)
		<-s.done
	})
}
