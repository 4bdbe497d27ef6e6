package persist

import (
	"bufio"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// killChild runs the test binary again as the child test named, with env
// added (it names the store the child writes), hands each "ack …" line the
// child prints to ack, and kills it with SIGKILL: usually after its first
// ack, sometimes before it, while the child may still be opening the
// store, and then after a random wait of up to most (in whole
// milliseconds, so a seed kills as it did before). It returns once the
// child's output is read to its end; any other line than an ack or PASS,
// or an ack that ack refuses, is an error.
func killChild(test, env string, r *rand.Rand, most time.Duration, ack func(line string) error) error {
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$")
	cmd.Env = append(os.Environ(), env)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	first := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		acked := false
		for sc.Scan() {
			line := sc.Text()
			if line == "PASS" {
				continue
			}
			if !strings.HasPrefix(line, "ack ") {
				done <- fmt.Errorf("child said %q", line)
				return
			}
			if err := ack(line); err != nil {
				done <- fmt.Errorf("child said %q: %w", line, err)
				return
			}
			if !acked {
				acked = true
				close(first)
			}
		}
		done <- sc.Err()
	}()
	if r.Intn(5) > 0 {
		select {
		case <-first:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			return errors.New("child never acked")
		}
	}
	time.Sleep(time.Duration(r.Intn(int(most/time.Millisecond))) * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		return err
	}
	// Read to EOF before Wait, which closes the pipe.
	err = <-done
	cmd.Wait()
	return err
}
