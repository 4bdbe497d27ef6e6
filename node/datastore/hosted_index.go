package datastore

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/slotd/slotd/contracts/proof"
)

// hostedHead is what the (cid, index) index needs of a hosted slot's
// record: the fields before its manifest.
type hostedHead struct {
	SlotID proof.Hash
	CID    CID
	Index  int
}

// errNoHead says a record's leading fields were not slotId, cid and index
// (an older or hand-written record): it is read whole instead.
var errNoHead = errors.New("record does not lead with slotId, cid and index")

// readHostedHead decodes a hosted slot record's leading fields without
// parsing its manifest, which repeats every slot root of the dataset: at
// 10,000 held slots parsing and verifying the manifests made Open take
// seconds. The manifest is still verified on every use (HostedSlot).
func readHostedHead(path string) (hostedHead, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return hostedHead{}, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return hostedHead{}, errNoHead
	}
	var h hostedHead
	fields := []struct {
		key string
		to  any
	}{{"slotId", &h.SlotID}, {"cid", &h.CID}, {"index", &h.Index}}
	for _, f := range fields {
		tok, err := dec.Token()
		if err != nil || tok != f.key {
			return hostedHead{}, errNoHead
		}
		if err := dec.Decode(f.to); err != nil {
			return hostedHead{}, fmt.Errorf("decode %s: %w", f.key, err)
		}
	}
	return h, nil
}
