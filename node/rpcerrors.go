package node

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
)

// rpcErrorCounter is the HTTP transport under the node's RPC client that
// counts failed calls by JSON-RPC method (slotd_rpc_errors_total): a
// transport failure or refused request counts every call it carried, an
// error reply the call it answers. The bodies pass through unchanged.
type rpcErrorCounter struct {
	inner http.RoundTripper
	count func(method string)
}

// rpcCall is the part of a JSON-RPC request or reply the counter reads.
type rpcCall struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Error  json.RawMessage `json:"error"`
}

func (t rpcErrorCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	calls := requestCalls(r)
	resp, err := t.inner.RoundTrip(r)
	if err != nil || resp.StatusCode >= 400 {
		for _, c := range calls {
			t.count(c.Method)
		}
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return resp, nil // the client reads the same short body and fails itself
	}
	method := map[string]string{}
	for _, c := range calls {
		method[string(c.ID)] = c.Method
	}
	for _, c := range decodeCalls(body) {
		if len(c.Error) > 0 && string(c.Error) != "null" {
			t.count(orUnknown(method[string(c.ID)]))
		}
	}
	return resp, nil
}

// requestCalls reads the calls of r's body without consuming it.
func requestCalls(r *http.Request) []rpcCall {
	if r.GetBody == nil {
		return nil
	}
	b, err := r.GetBody()
	if err != nil {
		return nil
	}
	defer b.Close()
	data, err := io.ReadAll(b)
	if err != nil {
		return nil
	}
	return decodeCalls(data)
}

// decodeCalls decodes one call or a batch; anything else is none.
func decodeCalls(data []byte) []rpcCall {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '[' {
		var batch []rpcCall
		if json.Unmarshal(data, &batch) != nil {
			return nil
		}
		return batch
	}
	var one rpcCall
	if json.Unmarshal(data, &one) != nil {
		return nil
	}
	return []rpcCall{one}
}

func orUnknown(method string) string {
	if method == "" {
		return "unknown"
	}
	return method
}
