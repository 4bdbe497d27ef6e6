package persist

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"math/big"
	"math/rand"
	"slices"
	"testing"
	"time"
)

var propSeed = flag.Int64("seed", 0, "seed for the property test (0: time-based)")

// model is the store's contents as plain maps, with the store's rules
// re-stated in the simplest possible way.
type model struct {
	Agents       map[ID]Agent
	Journal      map[ID][]JournalEntry
	Queue        map[ID]QueueItem
	QueueSeq     uint64 `json:"-"`
	Avail        map[uint64]Availability
	AvailSeq     uint64 `json:"-"`
	Reservations map[ID]Reservation
	Cursor       *Cursor
	Txs          map[string]TxRecord
	Downloads    map[ID]Download
	Purchases    map[ID]Purchase
	Datasets     map[string]Dataset
}

func newModel() *model {
	return &model{
		Agents: map[ID]Agent{}, Journal: map[ID][]JournalEntry{}, Queue: map[ID]QueueItem{},
		Avail: map[uint64]Availability{}, Reservations: map[ID]Reservation{}, Txs: map[string]TxRecord{},
		Downloads: map[ID]Download{}, Purchases: map[ID]Purchase{}, Datasets: map[string]Dataset{},
	}
}

func (m *model) clone() *model {
	c := *m
	c.Agents, c.Queue, c.Avail = maps.Clone(m.Agents), maps.Clone(m.Queue), maps.Clone(m.Avail)
	c.Reservations, c.Txs, c.Downloads = maps.Clone(m.Reservations), maps.Clone(m.Txs), maps.Clone(m.Downloads)
	c.Purchases, c.Datasets = maps.Clone(m.Purchases), maps.Clone(m.Datasets)
	c.Journal = make(map[ID][]JournalEntry, len(m.Journal))
	for k, v := range m.Journal {
		c.Journal[k] = slices.Clone(v)
	}
	return &c
}

// op is one random operation, applied to the model and to a store Tx.
type op struct {
	name  string
	model func(*model) error
	store func(*Tx) error
}

var errModel = errors.New("model says no")

func randOp(r *rand.Rand, m *model) op {
	slot := slotN(uint64(r.Intn(12)))
	tm := t0.Add(time.Duration(r.Intn(1e6)) * time.Second)
	amt := func() *big.Int {
		if r.Intn(5) == 0 {
			return nil
		}
		return new(big.Int).Lsh(big.NewInt(r.Int63()), uint(r.Intn(80)))
	}
	states := []string{"preparing", "downloading", "filling", "filled", "proving", "finished", "errored"}
	switch k := r.Intn(14); k {
	case 0, 1, 2: // transition, sometimes from a stale state
		to := states[r.Intn(len(states))]
		from := m.Agents[slot].State
		if r.Intn(8) == 0 {
			from = states[r.Intn(len(states))]
		}
		a := Agent{SlotID: slot, RequestID: slotN(100 + uint64(r.Intn(3))), SlotIndex: uint64(r.Intn(1 << 20)), AvailabilityID: uint64(r.Intn(3)), Reserved: uint64(r.Intn(1000)), Reason: fmt.Sprint(r.Intn(3))}
		e := JournalEntry{From: from, To: to, Event: "ev", Time: tm, Block: uint64(r.Intn(1000)), Detail: fmt.Sprint(r.Intn(10))}
		return op{fmt.Sprintf("transition %x %q>%q", slot[:2], from, to),
			func(m *model) error {
				if m.Agents[slot].State != from {
					return errModel
				}
				j := m.Journal[slot]
				seq := uint64(1)
				if len(j) > 0 {
					seq = j[len(j)-1].Seq + 1
				}
				a, e := a, e
				e.SlotID, e.Seq = slot, seq
				a.State, a.Seq, a.Updated, a.Block = to, seq, tm, e.Block
				m.Agents[slot] = a
				m.Journal[slot] = append(j, e)
				return nil
			},
			func(tx *Tx) error { a, e := a, e; return tx.Transition(&a, &e) }}
	case 3:
		return op{"delete agent",
			func(m *model) error { delete(m.Agents, slot); return nil },
			func(tx *Tx) error { _, err := tx.DeleteAgent(slot); return err }}
	case 4:
		total := uint64(r.Intn(2000))
		a := Availability{TotalSize: total, Duration: uint64(r.Intn(100)), MinPricePerBytePerSecond: amt(), MaxCollateralPerByte: amt(), Created: tm}
		return op{"add availability",
			func(m *model) error {
				m.AvailSeq++
				a := a
				a.ID, a.FreeSize = m.AvailSeq, total
				m.Avail[a.ID] = a
				return nil
			},
			func(tx *Tx) error { a := a; return tx.AddAvailability(&a) }}
	case 5, 6:
		id, size := uint64(1+r.Intn(4)), uint64(r.Intn(700))
		return op{fmt.Sprintf("reserve %d %d", id, size),
			func(m *model) error {
				if old, ok := m.Reservations[slot]; ok {
					if old.AvailabilityID == id && old.Size == size {
						return nil
					}
					return errModel
				}
				a, ok := m.Avail[id]
				if !ok || a.FreeSize < size {
					return errModel
				}
				a.FreeSize -= size
				m.Avail[id] = a
				m.Reservations[slot] = Reservation{SlotID: slot, AvailabilityID: id, Size: size}
				return nil
			},
			func(tx *Tx) error { return tx.Reserve(id, slot, size) }}
	case 7:
		return op{"release",
			func(m *model) error {
				if res, ok := m.Reservations[slot]; ok {
					a := m.Avail[res.AvailabilityID]
					a.FreeSize += res.Size
					m.Avail[res.AvailabilityID] = a
					delete(m.Reservations, slot)
				}
				return nil
			},
			func(tx *Tx) error { _, err := tx.Release(slot); return err }}
	case 8:
		q := QueueItem{SlotID: slot, RequestID: slotN(uint64(r.Intn(3))), SlotIndex: uint64(r.Intn(10)), SlotSize: uint64(r.Intn(1 << 30)),
			Duration: uint64(r.Intn(1000)), PricePerBytePerSecond: amt(), CollateralPerByte: amt(), Expiry: uint64(r.Intn(1e9))}
		return op{"queue put",
			func(m *model) error {
				q := q
				if old, ok := m.Queue[slot]; ok {
					q.Seq = old.Seq
				} else {
					m.QueueSeq++
					q.Seq = m.QueueSeq
				}
				m.Queue[slot] = q
				return nil
			},
			func(tx *Tx) error { q := q; return tx.PutQueueItem(&q) }}
	case 9:
		return op{"queue delete",
			func(m *model) error { delete(m.Queue, slot); return nil },
			func(tx *Tx) error { _, err := tx.DeleteQueueItem(slot); return err }}
	case 10:
		c := Cursor{Number: uint64(r.Intn(1e6)), Hash: slotN(uint64(r.Intn(1e6)))}
		for range r.Intn(4) {
			c.Recent = append(c.Recent, BlockRef{Number: uint64(r.Intn(100)), Hash: slotN(uint64(r.Intn(100)))})
		}
		return op{"cursor",
			func(m *model) error { m.Cursor = &c; return nil },
			func(tx *Tx) error { return tx.SetCursor(c) }}
	case 11:
		purpose := fmt.Sprintf("fill:%d", r.Intn(5))
		if r.Intn(4) == 0 {
			return op{"tx delete",
				func(m *model) error { delete(m.Txs, purpose); return nil },
				func(tx *Tx) error { _, err := tx.DeleteTxRecord(purpose); return err }}
		}
		raw := make(Bytes, r.Intn(8))
		r.Read(raw)
		rec := TxRecord{Purpose: purpose, Nonce: uint64(r.Intn(100)), Hash: slotN(uint64(r.Intn(100))), Raw: raw,
			Value: amt(), GasFeeCap: amt(), GasTipCap: amt(), Status: TxPending, Sent: tm, Block: uint64(r.Intn(10))}
		return op{"tx put",
			func(m *model) error { m.Txs[purpose] = rec; return nil },
			func(tx *Tx) error { return tx.PutTxRecord(rec) }}
	case 12:
		d := Download{SlotID: slot, Root: slotN(7), Size: uint64(r.Intn(1000)), Verified: uint64(r.Intn(1000)), Path: "/d", Updated: tm}
		p := Purchase{RequestID: slot, State: states[r.Intn(len(states))], CID: "cid", Created: tm, Updated: tm}
		return op{"download+purchase",
			func(m *model) error { m.Downloads[slot] = d; m.Purchases[slot] = p; return nil },
			func(tx *Tx) error {
				if err := tx.PutDownload(d); err != nil {
					return err
				}
				return tx.PutPurchase(p)
			}}
	default:
		d := Dataset{CID: fmt.Sprintf("cid%d", r.Intn(4)), Name: "f", Size: uint64(r.Intn(100)), K: 2, M: 1, Slots: 3, SlotRoots: []ID{slotN(1)}, Created: tm}
		return op{"dataset",
			func(m *model) error { m.Datasets[d.CID] = d; return nil },
			func(tx *Tx) error { return tx.PutDataset(d) }}
	}
}

// readAll loads the whole store into a model, through the public API.
func readAll(t *testing.T, s *Store) *model {
	t.Helper()
	m := newModel()
	err := s.View(func(tx *Tx) error {
		if err := tx.ForEachAgent(func(a Agent) error { m.Agents[a.SlotID] = a; return nil }); err != nil {
			return err
		}
		if err := tx.ForEachJournalEntry(func(e JournalEntry) error { m.Journal[e.SlotID] = append(m.Journal[e.SlotID], e); return nil }); err != nil {
			return err
		}
		if err := tx.ForEachQueueItem(func(q QueueItem) error { m.Queue[q.SlotID] = q; return nil }); err != nil {
			return err
		}
		if err := tx.ForEachAvailability(func(a Availability) error { m.Avail[a.ID] = a; return nil }); err != nil {
			return err
		}
		if err := tx.ForEachReservation(func(r Reservation) error { m.Reservations[r.SlotID] = r; return nil }); err != nil {
			return err
		}
		if c, err := tx.Cursor(); err == nil {
			m.Cursor = &c
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		if err := tx.ForEachTxRecord(func(r TxRecord) error { m.Txs[r.Purpose] = r; return nil }); err != nil {
			return err
		}
		if err := tx.ForEachDownload(func(d Download) error { m.Downloads[d.SlotID] = d; return nil }); err != nil {
			return err
		}
		if err := tx.ForEachPurchase(func(p Purchase) error { m.Purchases[p.RequestID] = p; return nil }); err != nil {
			return err
		}
		return tx.ForEachDataset(func(d Dataset) error { m.Datasets[d.CID] = d; return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func jsonOf(t *testing.T, v any) string {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestPropertyModel applies random batches of operations to the store and
// to the model, with random close/reopen, and compares full contents.
func TestPropertyModel(t *testing.T) {
	seed := *propSeed
	if seed == 0 {
		seed = time.Now().UnixNano()
	}
	t.Logf("seed %d (rerun with -seed %d)", seed, seed)
	r := rand.New(rand.NewSource(seed))
	s, path := openTemp(t, &Options{NoSync: true})
	m := newModel()
	steps := 600
	if testing.Short() {
		steps = 150
	}
	for step := 0; step < steps; step++ {
		ops := make([]op, 1+r.Intn(4))
		next := m.clone()
		wantFail := -1
		for i := range ops {
			ops[i] = randOp(r, next)
			if wantFail < 0 && ops[i].model(next) != nil {
				wantFail = i
			}
		}
		gotFail := -1
		err := s.Update(context.Background(), func(tx *Tx) error {
			gotFail = -1
			for i, o := range ops {
				if err := o.store(tx); err != nil {
					gotFail = i
					return err
				}
			}
			return nil
		})
		if gotFail != wantFail {
			names := make([]string, len(ops))
			for i, o := range ops {
				names[i] = o.name
			}
			t.Fatalf("step %d %v: store failed at op %d (%v), model at %d", step, names, gotFail, err, wantFail)
		}
		if err != nil && !errors.Is(err, ErrConflict) && !errors.Is(err, ErrInsufficientSpace) && !errors.Is(err, ErrNotFound) {
			t.Fatalf("step %d: unexpected error %v", step, err)
		}
		if wantFail < 0 {
			m = next
		}
		if r.Intn(20) == 0 {
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			var err error
			if s, err = Open(path, &Options{NoSync: true}); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
		}
		if step%10 == 9 || step == steps-1 {
			if got, want := jsonOf(t, readAll(t, s)), jsonOf(t, m); got != want {
				t.Fatalf("step %d: store and model differ\nstore: %s\nmodel: %s", step, got, want)
			}
		}
		if step%50 == 49 {
			if err := s.Check(); err != nil {
				t.Fatalf("step %d: %v", step, err)
			}
		}
	}
}
