package campaign

import (
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// span is a time a process was up (or a fault was on).
type span struct{ from, to time.Time }

// proc is a supervised `slotd run`: it is restarted whenever it dies until
// stop, after the down time its killer asked for; it records when it was up.
type proc struct {
	name, bin, log string
	args           []string

	mu       sync.Mutex
	cmd      *exec.Cmd
	env      []string // for the next start only (a failpoint)
	down     time.Duration
	stopping bool
	started  time.Time
	ups      []span
	restarts int
	exited   chan struct{} // closed when the supervisor ends
}

func (p *proc) startLocked() error {
	f, err := os.OpenFile(p.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	fmt.Fprintf(f, "=== campaign: start %s at %s env %v\n", p.name, time.Now().Format(time.RFC3339Nano), p.env)
	cmd := exec.Command(p.bin, p.args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = append(os.Environ(), p.env...)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", p.name, err)
	}
	p.env = nil
	p.cmd, p.started = cmd, time.Now()
	return nil
}

// supervise starts the process and keeps it running until stop.
func (p *proc) supervise() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.exited = make(chan struct{})
	if err := p.startLocked(); err != nil {
		return err
	}
	go func() {
		defer close(p.exited)
		for {
			p.mu.Lock()
			cmd := p.cmd
			p.mu.Unlock()
			cmd.Wait()
			p.mu.Lock()
			p.ups = append(p.ups, span{p.started, time.Now()})
			down := p.down
			p.down = 0
			p.mu.Unlock()
			time.Sleep(down)
			p.mu.Lock()
			if p.stopping {
				p.mu.Unlock()
				return
			}
			p.restarts++
			for p.startLocked() != nil {
				p.mu.Unlock()
				time.Sleep(time.Second)
				p.mu.Lock()
			}
			p.mu.Unlock()
		}
	}()
	return nil
}

// kill9 sends SIGKILL; the supervisor restarts the process after down, with
// env (a failpoint) if given.
func (p *proc) kill9(down time.Duration, env ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down, p.env = down, env
	p.cmd.Process.Kill()
}

// armFailpoint restarts the process at once with SLOTD_CRASH_AFTER=state;
// when it fires, the supervisor restarts it after down.
func (p *proc) armFailpoint(state string, down time.Duration) {
	p.kill9(0, "SLOTD_CRASH_AFTER="+state)
	go func() {
		time.Sleep(500 * time.Millisecond)
		p.mu.Lock()
		p.down = down
		p.mu.Unlock()
	}()
}

// signal sends sig (SIGSTOP/SIGCONT for a stall).
func (p *proc) signal(sig syscall.Signal) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cmd.Process.Signal(sig)
}

// alive says whether the process runs now.
func (p *proc) alive() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd != nil && p.cmd.ProcessState == nil && p.cmd.Process.Signal(syscall.Signal(0)) == nil
}

// stop ends the process (SIGTERM, then SIGKILL) and its supervisor, and
// returns the times it was up.
func (p *proc) stop() []span {
	p.mu.Lock()
	p.stopping = true
	p.cmd.Process.Signal(syscall.SIGCONT)
	p.cmd.Process.Signal(syscall.SIGTERM)
	cmd := p.cmd
	p.mu.Unlock()
	select {
	case <-p.exited:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-p.exited
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ups
}
