package fsm

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/slotd/slotd/persist"
)

// fakeProver is a chain whose period the test advances. Calls fail as
// scripted: requiredFails[p] transient failures of ProofRequired in
// period p, submitFails[p] of SubmitProof (permanent if in permanent),
// statusFails of Status in a row; stuck[p] makes every attempt fail
// until the period is advanced.
type fakeProver struct {
	mu            sync.Mutex
	cond          *sync.Cond
	period        uint64
	endAt         uint64 // Status says the request ended from this period on (0: never)
	required      map[uint64]bool
	requiredFails map[uint64]int
	submitFails   map[uint64]int
	permanent     map[uint64]bool
	stuck         map[uint64]bool
	statusFails   int
	submitted     []uint64
	attempts      map[uint64]int // ProofRequired calls per period
	observed      []string
}

func newFakeProver() *fakeProver {
	f := &fakeProver{period: 1, required: map[uint64]bool{}, requiredFails: map[uint64]int{}, submitFails: map[uint64]int{},
		permanent: map[uint64]bool{}, stuck: map[uint64]bool{}, attempts: map[uint64]int{}}
	f.cond = sync.NewCond(&f.mu)
	return f
}

func (f *fakeProver) advance() {
	f.mu.Lock()
	f.period++
	f.cond.Broadcast()
	f.mu.Unlock()
}

func (f *fakeProver) Period(ctx context.Context) (uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.period, nil
}

func (f *fakeProver) WaitPeriod(ctx context.Context, after uint64) (uint64, error) {
	stop := context.AfterFunc(ctx, func() { f.mu.Lock(); f.cond.Broadcast(); f.mu.Unlock() })
	defer stop()
	f.mu.Lock()
	defer f.mu.Unlock()
	for f.period <= after && ctx.Err() == nil {
		f.cond.Wait()
	}
	return f.period, ctx.Err()
}

func (f *fakeProver) Status(ctx context.Context, a *Agent) (bool, Step, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.statusFails > 0 {
		f.statusFails--
		return false, Step{}, Transient(errors.New("status: rpc down"))
	}
	if f.endAt != 0 && f.period >= f.endAt {
		return false, Step{Outcome: RequestEnded, Detail: "request finished"}, nil
	}
	return true, Step{}, nil
}

func (f *fakeProver) ProofRequired(ctx context.Context, a *Agent, p uint64) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.attempts[p]++
	if f.stuck[p] && f.period == p {
		return false, Transient(errors.New("rpc down"))
	}
	if f.requiredFails[p] > 0 {
		f.requiredFails[p]--
		return false, Transient(errors.New("rpc timeout"))
	}
	return f.required[p], nil
}

func (f *fakeProver) SubmitProof(ctx context.Context, a *Agent, p uint64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.submitFails[p] > 0 {
		f.submitFails[p]--
		if f.permanent[p] {
			return errors.New("slot data fails its root")
		}
		return Transient(errors.New("nonce too low"))
	}
	if slices.Contains(f.submitted, p) {
		return errors.New("submitted twice")
	}
	f.submitted = append(f.submitted, p)
	return nil
}

func (f *fakeProver) snapshot() ([]uint64, map[uint64]int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := map[uint64]int{}
	for k, v := range f.attempts {
		m[k] = v
	}
	return slices.Clone(f.submitted), m
}

func testAgent() *Agent {
	r := &Agents{log: nopLogger{}}
	return newAgent(r, persist.Agent{SlotID: slotOf(reqN(1), 0), RequestID: reqN(1), State: Proving}, "", nil)
}

// waitFor polls cond.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestProvingLoop: each required period is proven exactly once; failed
// calls retry within the period and never end the loop; a period whose
// proof could not get through is missed and the loop goes on; the loop
// ends when the chain says the request ended.
func TestProvingLoop(t *testing.T) {
	f := newFakeProver()
	for _, p := range []uint64{1, 2, 4, 5, 6} {
		f.required[p] = true
	}
	f.requiredFails[1] = 3 // retried within period 1
	f.submitFails[2] = 2   // likewise for the submission
	f.stuck[4] = true      // down for all of period 4: missed
	f.submitFails[5] = 1   // a permanent failure gives up period 5 only
	f.permanent[5] = true
	f.statusFails = 2 // Status failing does not end the loop either
	f.endAt = 8
	var obsMu sync.Mutex
	var missed []uint64
	opts := ProvingOptions{MinBackoff: time.Millisecond, MaxBackoff: 4 * time.Millisecond,
		Observe: func(a *Agent, p uint64, req bool, err error) {
			if err != nil {
				obsMu.Lock()
				missed = append(missed, p)
				obsMu.Unlock()
			}
		}}
	type result struct {
		st  Step
		err error
	}
	done := make(chan result, 1)
	go func() {
		st, err := ProvingLoop(bg, testAgent(), f, opts)
		done <- result{st, err}
	}()
	waitFor(t, "period 1 proof", func() bool { s, _ := f.snapshot(); return slices.Contains(s, 1) })
	f.advance() // 2
	waitFor(t, "period 2 proof", func() bool { s, _ := f.snapshot(); return slices.Contains(s, 2) })
	f.advance() // 3: not required
	waitFor(t, "period 3 asked", func() bool { _, a := f.snapshot(); return a[3] == 1 })
	f.advance() // 4: stuck
	waitFor(t, "period 4 retried", func() bool { _, a := f.snapshot(); return a[4] >= 3 })
	f.advance() // 5: leaves 4 missed; 5 fails permanently
	waitFor(t, "period 5 given up", func() bool {
		obsMu.Lock()
		defer obsMu.Unlock()
		return slices.Contains(missed, 5)
	})
	f.advance() // 6
	waitFor(t, "period 6 proof", func() bool { s, _ := f.snapshot(); return slices.Contains(s, 6) })
	select {
	case r := <-done:
		t.Fatalf("loop ended early: %+v", r)
	default:
	}
	f.advance() // 7
	f.advance() // 8: ended
	r := <-done
	if r.err != nil || r.st.Outcome != RequestEnded {
		t.Fatalf("loop returned %+v", r)
	}
	sub, att := f.snapshot()
	if !slices.Equal(sub, []uint64{1, 2, 6}) {
		t.Fatalf("submitted %v", sub)
	}
	if att[1] != 4 || att[2] != 3 || att[3] != 1 {
		t.Fatalf("attempts %v", att)
	}
	if !slices.Equal(missed, []uint64{4, 5}) {
		t.Fatalf("missed %v", missed)
	}
}

// TestProvingLoopCancel: the loop returns promptly when its ctx ends
// (Stop, or a chain event for the agent), whatever it is waiting on.
func TestProvingLoopCancel(t *testing.T) {
	f := newFakeProver()
	f.stuck[1] = true
	f.required[1] = true
	ctx, cancel := context.WithCancel(bg)
	done := make(chan error, 1)
	go func() {
		_, err := ProvingLoop(ctx, testAgent(), f, ProvingOptions{MinBackoff: time.Hour})
		done <- err
	}()
	waitFor(t, "first attempt", func() bool { _, a := f.snapshot(); return a[1] == 1 })
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("loop did not stop")
	}
}
