package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/slotd/slotd/persist"
)

// printer writes records as aligned tables or as JSON lines. Both stream:
// a table is flushed every flushRows rows, so memory stays flat however
// many records there are (columns may shift slightly between blocks).
type printer struct {
	ctx     context.Context // checked every releaseRows rows: Ctrl-C stops a long dump
	w       *bufio.Writer
	json    bool
	buf     bytes.Buffer
	rows    int
	release func() // drops mapped store pages: keeps RSS flat
}

const (
	flushRows   = 1000
	releaseRows = 4096
)

// table is one kind of record being printed.
type table struct {
	p      *printer
	kind   string // JSON "kind"
	noun   string // "(1 agent)", "(3 agents)": noun and plural
	plural string
	tw     *tabwriter.Writer
	n      int
}

func (p *printer) table(kind, noun, plural string, header ...string) *table {
	t := &table{p: p, kind: kind, noun: noun, plural: plural}
	if !p.json {
		t.tw = tabwriter.NewWriter(p.w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(t.tw, strings.Join(header, "\t"))
	}
	return t
}

// row prints rec as JSON, or the cells cells() returns as a table row.
func (t *table) row(rec any, cells func() []string) error {
	t.n++
	if t.p.rows++; t.p.rows%releaseRows == 0 {
		if t.p.release != nil {
			t.p.release()
		}
		if t.p.ctx != nil && t.p.ctx.Err() != nil {
			return t.p.ctx.Err()
		}
	}
	if t.p.json {
		return t.p.jsonRecord(t.kind, rec)
	}
	if _, err := fmt.Fprintln(t.tw, strings.Join(cells(), "\t")); err != nil {
		return err
	}
	if t.n%flushRows == 0 {
		return t.tw.Flush()
	}
	return nil
}

func (t *table) end() error {
	if t.p.json {
		return nil
	}
	if err := t.tw.Flush(); err != nil {
		return err
	}
	noun := t.plural
	if t.n == 1 {
		noun = t.noun
	}
	_, err := fmt.Fprintf(t.p.w, "(%d %s)\n", t.n, noun)
	return err
}

// jsonRecord writes {"kind":KIND, ...rec's fields} on one line.
func (p *printer) jsonRecord(kind string, rec any) error {
	p.buf.Reset()
	enc := json.NewEncoder(&p.buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rec); err != nil {
		return err
	}
	b := p.buf.Bytes()
	if len(b) < 2 || b[0] != '{' {
		return fmt.Errorf("dump %s: record is not a JSON object", kind)
	}
	p.w.WriteString(`{"kind":`)
	p.w.WriteString(strconv.Quote(kind))
	if b[1] != '}' {
		p.w.WriteByte(',')
	}
	_, err := p.w.Write(b[1:])
	return err
}

func (p *printer) section(title string) {
	if !p.json {
		fmt.Fprintf(p.w, "== %s ==\n", title)
	}
}

func dumpAll(tx *persist.Tx, p *printer) error {
	v, err := tx.Schema()
	if err != nil {
		return err
	}
	if p.json {
		if err := p.jsonRecord("meta", struct {
			Schema uint64 `json:"schema"`
		}{v}); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(p.w, "schema %d\n", v)
	}
	for _, what := range dumpWhats {
		if !p.json {
			fmt.Fprintln(p.w)
		}
		p.section(what)
		if err := dumpOne(tx, p, what, nil); err != nil {
			return err
		}
	}
	return nil
}

func dumpOne(tx *persist.Tx, p *printer, what string, slot *persist.ID) error {
	switch what {
	case "agents":
		t := p.table("agent", "agent", "agents", "SLOT", "REQUEST", "INDEX", "STATE", "SEQ", "AVAIL", "RESERVED", "BLOCK", "UPDATED", "REASON")
		return end(t, tx.ForEachAgent(func(a persist.Agent) error {
			return t.row(a, func() []string {
				return []string{a.SlotID.String(), a.RequestID.String(), u(a.SlotIndex), a.State, u(a.Seq),
					u(a.AvailabilityID), u(a.Reserved), u(a.Block), ts(a.Updated), str(a.Reason)}
			})
		}))
	case "journal":
		if slot != nil {
			t := p.table("journal", "journal entry", "journal entries", "SEQ", "TIME", "BLOCK", "FROM", "TO", "EVENT", "DETAIL")
			return end(t, tx.Journal(*slot, func(e persist.JournalEntry) error {
				return t.row(e, func() []string {
					return []string{u(e.Seq), ts(e.Time), u(e.Block), str(e.From), e.To, str(e.Event), str(e.Detail)}
				})
			}))
		}
		t := p.table("journal", "journal entry", "journal entries", "SLOT", "SEQ", "TIME", "BLOCK", "FROM", "TO", "EVENT", "DETAIL")
		return end(t, tx.ForEachJournalEntry(func(e persist.JournalEntry) error {
			return t.row(e, func() []string {
				return []string{e.SlotID.String(), u(e.Seq), ts(e.Time), u(e.Block), str(e.From), e.To, str(e.Event), str(e.Detail)}
			})
		}))
	case "queue":
		t := p.table("queue", "queued slot", "queued slots", "SLOT", "REQUEST", "INDEX", "SIZE", "DURATION", "PRICE", "COLLATERAL", "EXPIRY", "SEQ")
		return end(t, tx.ForEachQueueItem(func(q persist.QueueItem) error {
			return t.row(q, func() []string {
				return []string{q.SlotID.String(), q.RequestID.String(), u(q.SlotIndex), u(q.SlotSize), u(q.Duration),
					amt(q.PricePerBytePerSecond), amt(q.CollateralPerByte), u(q.Expiry), u(q.Seq)}
			})
		}))
	case "cursor":
		t := p.table("cursor", "cursor", "cursors", "ROLE", "NUMBER", "HASH")
		c, err := tx.Cursor()
		if errors.Is(err, persist.ErrNotFound) {
			return end(t, nil)
		} else if err != nil {
			return err
		}
		err = t.row(c, func() []string { return []string{"head", u(c.Number), c.Hash.String()} })
		for _, r := range c.Recent {
			if err != nil || p.json {
				break
			}
			fmt.Fprintf(t.tw, "recent\t%d\t%s\n", r.Number, r.Hash)
		}
		return end(t, err)
	case "txs":
		t := p.table("tx", "tx", "txs", "PURPOSE", "NONCE", "STATUS", "HASH", "TO", "VALUE", "FEECAP", "TIPCAP", "SENT", "BLOCK", "RAW")
		return end(t, tx.ForEachTxRecord(func(r persist.TxRecord) error {
			return t.row(r, func() []string {
				return []string{r.Purpose, u(r.Nonce), r.Status, r.Hash.String(), r.To.String(), amt(r.Value),
					amt(r.GasFeeCap), amt(r.GasTipCap), ts(r.Sent), u(r.Block), fmt.Sprintf("%dB", len(r.Raw))}
			})
		}))
	case "availabilities":
		t := p.table("availability", "availability", "availabilities", "ID", "TOTAL", "FREE", "DURATION", "MINPRICE", "MAXCOLLATERAL", "CREATED")
		return end(t, tx.ForEachAvailability(func(a persist.Availability) error {
			return t.row(a, func() []string {
				return []string{u(a.ID), u(a.TotalSize), u(a.FreeSize), u(a.Duration), amt(a.MinPricePerBytePerSecond),
					amt(a.MaxCollateralPerByte), ts(a.Created)}
			})
		}))
	case "reservations":
		t := p.table("reservation", "reservation", "reservations", "SLOT", "AVAIL", "SIZE")
		return end(t, tx.ForEachReservation(func(r persist.Reservation) error {
			return t.row(r, func() []string { return []string{r.SlotID.String(), u(r.AvailabilityID), u(r.Size)} })
		}))
	case "downloads":
		t := p.table("download", "download", "downloads", "SLOT", "ROOT", "SIZE", "VERIFIED", "UPDATED", "PATH")
		return end(t, tx.ForEachDownload(func(d persist.Download) error {
			return t.row(d, func() []string {
				return []string{d.SlotID.String(), d.Root.String(), u(d.Size), u(d.Verified), ts(d.Updated), str(d.Path)}
			})
		}))
	case "purchases":
		t := p.table("purchase", "purchase", "purchases", "REQUEST", "STATE", "CID", "EXPIRY", "CREATED", "UPDATED", "BLOCK", "REASON")
		return end(t, tx.ForEachPurchase(func(pu persist.Purchase) error {
			return t.row(pu, func() []string {
				return []string{pu.RequestID.String(), pu.State, str(pu.CID), u(pu.Expiry), ts(pu.Created), ts(pu.Updated),
					u(pu.Block), str(pu.Reason)}
			})
		}))
	case "ledger":
		return dumpLedger(tx, p)
	case "proofs":
		t := p.table("ledger-proof", "proof record", "proof records", "REQUEST", "INDEX", "PERIOD", "STATUS", "BLOCK", "TIME")
		return end(t, tx.ForEachLedgerProof(persist.ID{}, func(r persist.LedgerProof) error {
			return t.row(r, func() []string {
				return []string{r.RequestID.String(), u(r.Index), u(r.Period), r.Status, u(r.Block), u(r.Time)}
			})
		}))
	case "validator":
		t := p.table("watched-slot", "watched slot", "watched slots", "SLOT", "REQUEST", "INDEX", "NEXTPERIOD", "BLOCK")
		return end(t, tx.ForEachWatchedSlot(func(w persist.WatchedSlot) error {
			return t.row(w, func() []string {
				return []string{w.SlotID.String(), w.RequestID.String(), u(w.Index), u(w.Next), u(w.Block)}
			})
		}))
	case "datasets":
		t := p.table("dataset", "dataset", "datasets", "CID", "NAME", "SIZE", "SLOTS", "K", "M", "SLOTSIZE", "ROOT", "CREATED", "DIR")
		return end(t, tx.ForEachDataset(func(d persist.Dataset) error {
			return t.row(d, func() []string {
				return []string{d.CID, str(d.Name), u(d.Size), u(d.Slots), u(d.K), u(d.M), u(d.SlotSize),
					d.ContentRoot.String(), ts(d.Created), str(d.Dir)}
			})
		}))
	}
	return fmt.Errorf("unknown WHAT %q", what)
}

// dumpLedger prints the ledger's requests, with their state at the
// cursor's block time and how many slots are filled, then their slots.
func dumpLedger(tx *persist.Tx, p *printer) error {
	var now uint64
	if c, err := tx.Cursor(); err == nil {
		now = c.Time
	} else if !errors.Is(err, persist.ErrNotFound) {
		return err
	}
	t := p.table("ledger-request", "ledger request", "ledger requests", "REQUEST", "STATE", "FILLED", "SLOTS", "SLOTSIZE", "DURATION",
		"PRICE", "COLLATERAL", "EXPIRY", "END", "BLOCK")
	err := tx.ForEachLedgerRequest(func(r persist.LedgerRequest) error {
		var filled uint64
		if err := tx.ForEachLedgerSlot(r.RequestID, func(s persist.LedgerSlot) error {
			if s.Filled {
				filled++
			}
			return nil
		}); err != nil {
			return err
		}
		state := r.State(now)
		rec, err := withFields(r, map[string]any{"state": state, "filledSlots": filled})
		if err != nil {
			return err
		}
		return t.row(rec, func() []string {
			return []string{r.RequestID.String(), state, u(filled), u(r.Slots), u(r.SlotSize), u(r.Duration),
				amt(r.PricePerBytePerSecond), amt(r.CollateralPerByte), u(r.Expiry), u(r.End), u(r.Block)}
		})
	})
	if err := end(t, err); err != nil {
		return err
	}
	t = p.table("ledger-slot", "ledger slot", "ledger slots", "REQUEST", "INDEX", "FILLED", "HOST", "BLOCK")
	return end(t, tx.ForEachLedgerSlot(persist.ID{}, func(s persist.LedgerSlot) error {
		return t.row(s, func() []string {
			return []string{s.RequestID.String(), u(s.Index), strconv.FormatBool(s.Filled), str(s.Host), u(s.Block)}
		})
	}))
}

// withFields is rec's JSON object with extra fields first: what a dump
// computes beside what the store holds.
func withFields(rec any, extra map[string]any) (json.RawMessage, error) {
	b, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	x, err := json.Marshal(extra)
	if err != nil {
		return nil, err
	}
	if len(b) < 2 || b[0] != '{' || len(x) < 2 {
		return nil, errors.New("dump: record is not a JSON object")
	}
	if len(b) == 2 {
		return x, nil
	}
	return append(append(x[:len(x)-1:len(x)-1], ','), b[1:]...), nil
}

// end finishes a table unless printing it failed.
func end(t *table, err error) error {
	if err != nil {
		return err
	}
	return t.end()
}

func u(n uint64) string { return strconv.FormatUint(n, 10) }

func str(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func amt(x *big.Int) string {
	if x == nil {
		return "-"
	}
	return x.String()
}

func ts(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
