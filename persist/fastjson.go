package persist

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Hand-written encoders for the two records every transition writes. They
// produce the same JSON as encoding/json would (same fields, same order),
// at a fraction of the cost, which matters because the committer runs
// every writer's transition back to back. Anything unusual (a string that
// needs escaping, a time outside years 0-9999) falls back to
// encoding/json.

// appender is implemented by records with a fast encoder; ok=false means
// "use encoding/json".
type appender interface {
	appendJSON(dst []byte) (out []byte, ok bool)
}

func appendID(dst []byte, id ID) []byte {
	dst = append(dst, `"0x`...)
	dst = hex.AppendEncode(dst, id[:])
	return append(dst, '"')
}

// appendPlainString appends s quoted if it needs no escaping at all.
func appendPlainString(dst []byte, s string) ([]byte, bool) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return dst, false
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"'), true
}

func appendTime(dst []byte, t time.Time) ([]byte, bool) {
	if y := t.Year(); y < 0 || y > 9999 {
		return dst, false
	}
	dst = append(dst, '"')
	dst = t.AppendFormat(dst, time.RFC3339Nano)
	return append(dst, '"'), true
}

func (a Agent) appendJSON(dst []byte) ([]byte, bool) {
	ok1, ok2, ok3 := true, true, true
	if !a.SlotID.IsZero() {
		dst = append(dst, `{"slotId":`...)
		dst = appendID(dst, a.SlotID)
		dst = append(dst, `,"requestId":`...)
	} else {
		dst = append(dst, `{"requestId":`...)
	}
	dst = appendID(dst, a.RequestID)
	dst = append(dst, `,"slotIndex":`...)
	dst = strconv.AppendUint(dst, a.SlotIndex, 10)
	dst = append(dst, `,"state":`...)
	dst, ok1 = appendPlainString(dst, a.State)
	dst = append(dst, `,"seq":`...)
	dst = strconv.AppendUint(dst, a.Seq, 10)
	dst = append(dst, `,"availabilityId":`...)
	dst = strconv.AppendUint(dst, a.AvailabilityID, 10)
	dst = append(dst, `,"reserved":`...)
	dst = strconv.AppendUint(dst, a.Reserved, 10)
	if a.SlotSize != 0 {
		dst = append(dst, `,"slotSize":`...)
		dst = strconv.AppendUint(dst, a.SlotSize, 10)
	}
	dst = append(dst, `,"reason":`...)
	dst, ok2 = appendPlainString(dst, a.Reason)
	dst = append(dst, `,"updated":`...)
	dst, ok3 = appendTime(dst, a.Updated)
	dst = append(dst, `,"block":`...)
	dst = strconv.AppendUint(dst, a.Block, 10)
	return append(dst, '}'), ok1 && ok2 && ok3
}

func (e JournalEntry) appendJSON(dst []byte) ([]byte, bool) {
	ok := [5]bool{true, true, true, true, true}
	dst = append(dst, '{')
	if !e.SlotID.IsZero() {
		dst = append(dst, `"slotId":`...)
		dst = appendID(dst, e.SlotID)
		dst = append(dst, ',')
	}
	if e.Seq != 0 {
		dst = append(dst, `"seq":`...)
		dst = strconv.AppendUint(dst, e.Seq, 10)
		dst = append(dst, ',')
	}
	dst = append(dst, `"from":`...)
	dst, ok[0] = appendPlainString(dst, e.From)
	dst = append(dst, `,"to":`...)
	dst, ok[1] = appendPlainString(dst, e.To)
	dst = append(dst, `,"event":`...)
	dst, ok[2] = appendPlainString(dst, e.Event)
	dst = append(dst, `,"time":`...)
	dst, ok[3] = appendTime(dst, e.Time)
	dst = append(dst, `,"block":`...)
	dst = strconv.AppendUint(dst, e.Block, 10)
	dst = append(dst, `,"detail":`...)
	dst, ok[4] = appendPlainString(dst, e.Detail)
	return append(dst, '}'), ok == [5]bool{true, true, true, true, true}
}

// stringField names a string field read without decoding the rest of
// its value (see fastString).
type stringField struct {
	name   string
	prefix []byte // `"name":"`
}

func newStringField(name string) stringField {
	return stringField{name: name, prefix: []byte(`"` + name + `":"`)}
}

var (
	stateField  = newStringField("state")  // of an agent
	statusField = newStringField("status") // of a tx record
)

// fastString reads field f of an encoded value without decoding the rest.
// Values are written field by field in struct order, and the fields before
// those read this way are ids, hex and numbers, so the first `"name":"`
// outside a string is the field itself; anything unexpected falls back to
// encoding/json.
func fastString(data []byte, f stringField) (string, bool) {
	i := bytes.Index(data, f.prefix)
	if i < 0 {
		return "", false
	}
	rest := data[i+len(f.prefix):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 || bytes.IndexByte(rest[:j], '\\') >= 0 {
		return "", false
	}
	if bytes.Count(data[:i], []byte(`"`))%2 != 0 {
		return "", false // inside a string after all
	}
	return string(rest[:j]), true
}

// readString reads field f of a value stored in bucket, decoding only
// that field.
func readString(bucket, key, data []byte, f stringField) (string, error) {
	if len(data) > 1 && data[0] == valueVersion {
		if s, ok := fastString(data[1:], f); ok {
			return s, nil
		}
	}
	var v map[string]json.RawMessage
	if err := decodeValue(bucket, key, data, &v); err != nil {
		return "", err
	}
	var s string
	if raw, ok := v[f.name]; ok {
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", fmt.Errorf("%w: %s/%x: field %s: %v", ErrCorrupt, bucket, key, f.name, err)
		}
	}
	return s, nil
}
