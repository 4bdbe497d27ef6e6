package node

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/hashicorp/go-hclog"
)

// AlertEvent is what the webhook receives: one alert raised or cleared.
type AlertEvent struct {
	Node  common.Address `json:"node"`
	State string         `json:"state"` // "raised" or "cleared"
	Alert Alert          `json:"alert"`
	Time  time.Time      `json:"time"`
}

// webhookQueue bounds the events waiting for the webhook; when it is full
// (the receiver has been down a long time) the newest are dropped and
// logged, so a dead receiver never holds the node.
const webhookQueue = 64

// alertHook watches the alerts and posts each change to a URL. Run owns two
// goroutines: the watcher (this one) and the sender; both stop with ctx.
type alertHook struct {
	url     string
	node    common.Address
	every   time.Duration
	source  func(ctx context.Context) []Alert
	client  *http.Client
	log     hclog.Logger
	retries int
	backoff time.Duration
}

func (n *Node) webhook() *alertHook {
	return &alertHook{url: n.cfg.AlertWebhook, node: n.market.Account(), every: max(n.cfg.Poll, 5*time.Second),
		source: func(ctx context.Context) []Alert { return n.status(ctx).(Status).Alerts },
		client: &http.Client{Timeout: 10 * time.Second}, log: n.log.Named("alerts"), retries: 5, backoff: time.Second}
}

// Run compares the alerts every tick with the last ones and queues what
// was raised and what cleared.
func (h *alertHook) Run(ctx context.Context) error {
	queue := make(chan AlertEvent, webhookQueue)
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.send(ctx, queue)
	}()
	defer func() { <-done }()
	open := map[string]Alert{}
	t := time.NewTicker(h.every)
	defer t.Stop()
	for {
		now := map[string]Alert{}
		for _, a := range h.source(ctx) {
			now[a.Kind] = a
		}
		if ctx.Err() != nil {
			return nil
		}
		for kind, a := range now {
			if _, was := open[kind]; !was {
				h.queue(queue, AlertEvent{Node: h.node, State: "raised", Alert: a, Time: time.Now().UTC()})
			}
		}
		for kind, a := range open {
			if _, still := now[kind]; !still {
				h.queue(queue, AlertEvent{Node: h.node, State: "cleared", Alert: a, Time: time.Now().UTC()})
			}
		}
		open = now
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (h *alertHook) queue(q chan<- AlertEvent, ev AlertEvent) {
	select {
	case q <- ev:
	default:
		h.log.Warn("alert webhook is behind; event dropped", "kind", ev.Alert.Kind, "state", ev.State)
	}
}

// send posts the events in order, each with a few retries.
func (h *alertHook) send(ctx context.Context, q <-chan AlertEvent) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-q:
			if err := h.post(ctx, ev); err != nil && ctx.Err() == nil {
				h.log.Warn("alert webhook failed; event dropped", "kind", ev.Alert.Kind, "state", ev.State, "err", err)
			}
		}
	}
}

func (h *alertHook) post(ctx context.Context, ev AlertEvent) error {
	body, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	var last error
	wait := h.backoff
	for try := 0; try <= h.retries; try++ {
		if try > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(wait):
			}
			wait *= 2
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := h.client.Do(req)
		if err != nil {
			last = err
			continue
		}
		resp.Body.Close()
		if resp.StatusCode < 300 {
			return nil
		}
		last = fmt.Errorf("webhook answered %s", resp.Status)
	}
	return last
}
