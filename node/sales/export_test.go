package sales

import "github.com/slotd/slotd/persist"

// OnRound makes the proving scheduler call fn after each round, with the
// head it scheduled for. Set it before Run.
func OnRound(s *Sales, fn func(persist.Head)) { s.sched.rounds = fn }

// OnRoundStart makes the scheduler call fn as each round begins.
func OnRoundStart(s *Sales, fn func(persist.Head)) { s.sched.starts = fn }
