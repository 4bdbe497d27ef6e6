package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
)

// maxBody bounds JSON request bodies; uploads stream and are not JSON.
const maxBody = 1 << 20

// Amount is a token amount in JSON: a decimal string (or a number).
type Amount struct{ *big.Int }

func (a Amount) MarshalJSON() ([]byte, error) {
	if a.Int == nil {
		return []byte("null"), nil
	}
	return json.Marshal(a.Int.String())
}

// UnmarshalJSON takes digits only, quoted or not: no sign, exponent,
// fraction or space, so that what the operator wrote is what is sent.
func (a *Amount) UnmarshalJSON(b []byte) error {
	s := string(b)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	if s == "" || len(s) > 78 || strings.Trim(s, "0123456789") != "" {
		return fmt.Errorf("amount %s: want a non-negative decimal integer of at most 78 digits, like \"1000\"", b)
	}
	v, _ := new(big.Int).SetString(s, 10)
	a.Int = v
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// decode reads one JSON object into v, refusing unknown or repeated
// fields, trailing data and bodies over maxBody (413); it writes the 4xx
// itself and returns false.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err == nil {
		err = checkDuplicates(data)
	}
	if err != nil {
		return badBody(w, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	if err == nil && dec.Decode(&struct{}{}) != io.EOF {
		err = errors.New("body holds more than one JSON value")
	}
	if err == nil {
		return true
	}
	return badBody(w, err)
}

// badBody writes the 4xx for a body decode refused; it returns false.
func badBody(w http.ResponseWriter, err error) bool {
	var tooBig *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", maxBody))
	case errors.As(err, &typeErr):
		writeError(w, http.StatusBadRequest, fmt.Sprintf("field %q: want %s, got %s", typeErr.Field, typeErr.Type, typeErr.Value))
	case errors.Is(err, io.EOF):
		writeError(w, http.StatusBadRequest, "empty body: send a JSON object")
	default:
		writeError(w, http.StatusBadRequest, "bad JSON: "+err.Error())
	}
	return false
}

// checkDuplicates refuses JSON in which an object names a field twice:
// encoding/json would keep the last silently, so a body could say one
// thing to a reviewer and another to the node. Malformed JSON is left to
// the decoder, which says where.
func checkDuplicates(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	type frame struct {
		keys  map[string]bool
		isObj bool
		key   bool // the next token in this object is a key
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		top := len(stack) - 1
		if top >= 0 && stack[top].isObj && stack[top].key {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:top]
				continue
			}
			k, _ := tok.(string)
			if stack[top].keys[k] {
				return &duplicateError{k}
			}
			stack[top].keys[k] = true
			stack[top].key = false
			continue
		}
		if top >= 0 && stack[top].isObj {
			stack[top].key = true // a value was read; a key comes next
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{keys: map[string]bool{}, isObj: true, key: true})
		case json.Delim('['):
			stack = append(stack, frame{})
		case json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
	}
}

type duplicateError struct{ field string }

func (e *duplicateError) Error() string {
	return fmt.Sprintf("field %q appears twice: send each field once", e.field)
}
