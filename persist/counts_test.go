package persist

import (
	"errors"
	"testing"
)

// TestAgentStatesAndQueueLen: the counts /metrics shows match what a full
// decode finds, including agents whose JSON the fast reader leaves to
// encoding/json, and a corrupt value is an error, not a miscount.
func TestAgentStatesAndQueueLen(t *testing.T) {
	s, _ := openTemp(t, nil)
	update(t, s, func(tx *Tx) error {
		for i, st := range []string{"proving", "proving", "filling", "finished"} {
			a := &Agent{SlotID: ID{byte(i + 1)}}
			if err := tx.Transition(a, &JournalEntry{To: st, Event: "test"}); err != nil {
				return err
			}
		}
		// Written the way an older or hand-edited store might have it:
		// escapes in the state, fields in another order.
		b, _ := tx.bucket(bucketAgents)
		if err := b.Put(ID{9}.Bytes(), append([]byte{valueVersion}, `{"seq":1,"state":"prov\u0069ng"}`...)); err != nil {
			return err
		}
		for i := range 3 {
			if err := tx.PutQueueItem(&QueueItem{SlotID: ID{byte(i + 1), 'q'}, SlotSize: 1}); err != nil {
				return err
			}
		}
		return nil
	})
	err := s.View(func(tx *Tx) error {
		got, err := tx.AgentStates()
		if err != nil {
			return err
		}
		want := map[string]int{}
		if err := tx.ForEachAgent(func(a Agent) error { want[a.State]++; return nil }); err != nil {
			return err
		}
		if len(got) != 3 || got["proving"] != 3 || got["filling"] != 1 || got["finished"] != 1 || len(want) != len(got) {
			t.Errorf("AgentStates %v, full decode %v", got, want)
		}
		if n, err := tx.QueueLen(); err != nil || n != 3 {
			t.Errorf("QueueLen %d, %v; want 3", n, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	update(t, s, func(tx *Tx) error {
		b, _ := tx.bucket(bucketAgents)
		return b.Put(ID{10}.Bytes(), []byte{valueVersion, '{', '"'})
	})
	err = s.View(func(tx *Tx) error { _, err := tx.AgentStates(); return err })
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("AgentStates on a corrupt value: %v, want ErrCorrupt", err)
	}
}
