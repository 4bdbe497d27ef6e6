package retry

import (
	"testing"
	"time"
)

func TestDelayDoublesToMax(t *testing.T) {
	p := Policy{Min: time.Second, Max: 5 * time.Second}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}
	for i, w := range want {
		if got := p.Delay(i + 1); got != w {
			t.Errorf("Delay(%d) = %v, want %v", i+1, got, w)
		}
	}
	if got := p.Delay(1 << 30); got != 5*time.Second {
		t.Errorf("Delay after a long run = %v, want the max", got)
	}
}

func TestJitterStaysInTheUpperHalf(t *testing.T) {
	p := Policy{Min: 100 * time.Millisecond, Max: time.Second, Jitter: true}
	for n := 1; n < 8; n++ {
		full := Policy{Min: p.Min, Max: p.Max}.Delay(n)
		seen := map[time.Duration]bool{}
		for range 200 {
			d := p.Delay(n)
			if d < full/2 || d > full {
				t.Fatalf("Delay(%d) = %v, outside [%v, %v]", n, d, full/2, full)
			}
			seen[d] = true
		}
		if len(seen) < 2 {
			t.Errorf("Delay(%d) drew one value in 200 tries: no jitter", n)
		}
	}
}

func TestBackoffResets(t *testing.T) {
	b := Backoff{Policy: Policy{Min: time.Second, Max: time.Minute}}
	b.Next()
	b.Next()
	if got := b.Next(); got != 4*time.Second {
		t.Fatalf("third Next = %v, want 4s", got)
	}
	b.Reset()
	if got := b.Next(); got != time.Second {
		t.Fatalf("Next after Reset = %v, want 1s", got)
	}
}
