package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/slotd/slotd/node"
	"github.com/slotd/slotd/persist"
)

func init() {
	register(&command{name: "status", summary: "show a running node's status",
		run: apiCmd("status", "status [flags]", nil, statusCmd)})
	register(&command{name: "availability", summary: "offer space for sale: availability add|list|remove",
		run: apiCmd("availability", "availability add --size B --duration S --min-price P --max-collateral C | list | remove ID [flags]", availabilityFlags, availabilityCmd)})
	register(&command{name: "request", summary: "request storage for an uploaded dataset",
		run: apiCmd("request", "request --cid CID --duration S --expiry S --price P [--collateral C] [--proof-probability N] [flags]", requestFlags, requestCmd)})
	register(&command{name: "purchases", summary: "list this node's storage requests, or end one never sent or expired: purchases [cancel ID]",
		run: apiCmd("purchases", "purchases [cancel REQUESTID] [flags]", nil, func(c *apiClient, fs *flag.FlagSet, pos []string) error {
			switch {
			case len(pos) == 0:
				return showTable(c, fs, "/api/v1/purchases", writePurchases)
			case len(pos) == 2 && pos[0] == "cancel":
				return c.print("POST", "/api/v1/purchases/"+pos[1]+"/cancel", nil)
			}
			return errUsage
		})})
	register(&command{name: "sales", summary: "list sales, show one with its journal, or retry an errored one: sales [SLOTID | retry SLOTID]",
		run: apiCmd("sales", "sales [SLOTID | retry SLOTID] [flags]", nil, salesCmd)})
}

// apiClient talks to a running node's REST API.
type apiClient struct {
	base, token, tokenFile string
	out                    io.Writer
	http                   *http.Client
}

// errUsage is what a command's body returns for arguments it cannot take;
// apiCmd prints the command's usage.
var errUsage = errors.New("wrong arguments")

// apiCmd wraps a command that needs the API address and token. usage is
// its synopsis after "slotd "; flags, if not nil, adds the command's own
// flags before parsing.
func apiCmd(name, usage string, flags func(*flag.FlagSet), body func(c *apiClient, fs *flag.FlagSet, pos []string) error) func(context.Context, []string, io.Writer, io.Writer) int {
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
		fs := flag.NewFlagSet(name, flag.ContinueOnError)
		setUsage(fs, stderr, usage, "")
		api := fs.String("api", envOr("SLOTD_API", "127.0.0.1:8080"), "the node's API, host:port or URL (env SLOTD_API)")
		dataDir := fs.String("data-dir", dataDirFlagDefault(), "the node's data dir, for its api-token ($SLOTD_DATA_DIR when set)")
		tokenFile := fs.String("token-file", "", "API token file (default DATA_DIR/api-token)")
		fs.Bool("json", false, "print the API's JSON, with every figure exact, instead of a table")
		if flags != nil {
			flags(fs)
		}
		pos, err := parseArgs(fs, args)
		if err != nil {
			return flagExit(err)
		}
		c := newAPIClient(*api, *dataDir, *tokenFile, stdout)
		err = body(c, fs, pos)
		switch {
		case errors.Is(err, errUsage):
			fmt.Fprintf(stderr, "usage: slotd %s\n('slotd %s -h' lists the flags)\n", usage, name)
			return exitUsage
		case err != nil:
			fmt.Fprintf(stderr, "slotd %s: %v\n", name, err)
			return exitError
		}
		return exitOK
	}
}

func envOr(k, def string) string {
	if v, ok := os.LookupEnv(k); ok {
		return v
	}
	return def
}

// newAPIClient talks to the node at base with the token in tokenFile
// (default DATA_DIR/api-token); a missing token file sends none, which is
// enough for what only reads.
func newAPIClient(base, dataDir, tokenFile string, out io.Writer) *apiClient {
	c := &apiClient{base: apiBase(base), out: out, http: &http.Client{Timeout: 30 * time.Second}}
	if tokenFile == "" {
		tokenFile = filepath.Join(dataDir, "api-token")
	}
	c.tokenFile = tokenFile
	if b, err := os.ReadFile(tokenFile); err == nil {
		c.token = strings.TrimSpace(string(b))
	}
	return c
}

// unauthorized says why the node refused us and where the token was
// looked for.
func (c *apiClient) unauthorized() string {
	if c.token == "" {
		return fmt.Sprintf("no API token at %s: point --data-dir at the node's data dir, or --token-file at its api-token", c.tokenFile)
	}
	return fmt.Sprintf("the node refused the token in %s: is it this node's (--api %s)?", c.tokenFile, c.base)
}

// unreachable says why a call got no answer. A node that took the call
// but did not answer in time is running: blaming --api would send the
// operator the wrong way, while what it waits on is usually a transaction
// of its own.
func (c *apiClient) unreachable(method, path string, err error) error {
	var op *net.OpError
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() && !(errors.As(err, &op) && op.Op == "dial") {
		return fmt.Errorf("%s %s: the node at %s took the call but did not answer within %s: it is running, most likely waiting "+
			"for a transaction of its own to be mined (see its log and `slotd status`; a transaction stuck at a nonce the account "+
			"never reaches, as after a new --key, waits for good); what the node recorded it goes on with: %w",
			method, path, c.base, c.http.Timeout, err)
	}
	return fmt.Errorf("%w (is a node running? set --api)", err)
}

// send sends r (size bytes; -1 if unknown) and returns the answer's body,
// or an error carrying the API's message.
func (c *apiClient) send(method, path string, r io.Reader, size int64) ([]byte, error) {
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		return nil, err
	}
	if r != nil && size >= 0 {
		req.ContentLength = size
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.unreachable(method, path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusUnauthorized {
		return nil, fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, c.unauthorized())
	}
	if resp.StatusCode >= 300 {
		var e struct{ Error string }
		if json.Unmarshal(out, &e) == nil && e.Error != "" {
			return nil, fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, e.Error)
		}
		return nil, fmt.Errorf("%s %s: %s", method, path, resp.Status)
	}
	return out, nil
}

// call sends body as JSON (none if nil) and decodes the answer into out
// (when not nil).
func (c *apiClient) call(method, path string, body, out any) error {
	var r io.Reader
	size := int64(-1)
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r, size = bytes.NewReader(b), int64(len(b))
	}
	data, err := c.send(method, path, r, size)
	if err != nil || out == nil || len(data) == 0 { // 204: nothing to decode
		return err
	}
	return json.Unmarshal(data, out)
}

// print sends body as JSON and prints the JSON answer.
func (c *apiClient) print(method, path string, body any) error {
	var out json.RawMessage
	if err := c.call(method, path, body, &out); err != nil || len(out) == 0 {
		return err
	}
	_, err := c.out.Write(append(out, '\n'))
	return err
}

func statusCmd(c *apiClient, fs *flag.FlagSet, pos []string) error {
	if len(pos) != 0 {
		return errUsage
	}
	if flagValue(fs, "json") == "true" {
		return c.print("GET", "/api/v1/status", nil)
	}
	var st node.Status
	if err := c.get("/api/v1/status", &st); err != nil {
		return err
	}
	return writeStatus(c.out, viewOf(&st, time.Now()), st)
}

// get decodes a read route's JSON into out.
func (c *apiClient) get(path string, out any) error {
	data, err := c.send("GET", path, nil, -1)
	if err != nil {
		return err
	}
	return decodeInto(path, data, out)
}

// view reads the status for the token and the downloads; a node that
// does not report them (or cannot be read) leaves amounts in base units.
func (c *apiClient) view() view {
	var st node.Status
	if c.get("/api/v1/status", &st) != nil {
		return viewOf(nil, time.Now())
	}
	return viewOf(&st, time.Now())
}

// showTable prints a read route as a table, or as the API's JSON with --json.
func showTable[T any](c *apiClient, fs *flag.FlagSet, path string, write func(io.Writer, view, T) error) error {
	if flagValue(fs, "json") == "true" {
		return c.print("GET", path, nil)
	}
	var v T
	if err := c.get(path, &v); err != nil {
		return err
	}
	return write(c.out, c.view(), v)
}

func availabilityFlags(fs *flag.FlagSet) {
	fs.Uint64("size", 0, "bytes offered (add)")
	fs.Uint64("duration", 0, "longest request accepted, seconds (add)")
	fs.String("min-price", "", "minimum price per byte per second, token units (add)")
	fs.String("max-collateral", "", "maximum collateral per byte, token units (add)")
}

func requestFlags(fs *flag.FlagSet) {
	fs.String("cid", "", "dataset id printed by upload")
	fs.Uint64("duration", 0, "seconds to keep the data")
	fs.Uint64("expiry", 0, "seconds hosts have to fill every slot (below duration)")
	fs.String("price", "", "price per byte per second, token units")
	fs.String("collateral", "0", "collateral per byte a host locks, token units")
	fs.String("proof-probability", "1", "a proof is required about once every this many periods")
}

func flagValue(fs *flag.FlagSet, name string) string { return fs.Lookup(name).Value.String() }

func availabilityCmd(c *apiClient, fs *flag.FlagSet, pos []string) error {
	switch {
	case len(pos) == 1 && pos[0] == "list":
		return showTable(c, fs, "/api/v1/availabilities", writeAvailabilities)
	case len(pos) == 2 && pos[0] == "remove":
		return c.print("DELETE", "/api/v1/availabilities/"+pos[1], nil)
	case len(pos) == 1 && pos[0] == "add":
		body := map[string]any{
			"totalSize": json.Number(flagValue(fs, "size")), "duration": json.Number(flagValue(fs, "duration")),
			"minPricePerBytePerSecond": flagValue(fs, "min-price"), "maxCollateralPerByte": flagValue(fs, "max-collateral"),
		}
		if flagValue(fs, "json") == "true" {
			return c.print("POST", "/api/v1/availabilities", body)
		}
		var a persist.Availability
		if err := c.call("POST", "/api/v1/availabilities", body, &a); err != nil {
			return err
		}
		return writeAvailabilities(c.out, c.view(), []persist.Availability{a})
	}
	return errUsage
}

func requestCmd(c *apiClient, fs *flag.FlagSet, pos []string) error {
	if len(pos) != 0 || flagValue(fs, "cid") == "" {
		return errUsage
	}
	body := map[string]any{
		"cid": flagValue(fs, "cid"), "duration": json.Number(flagValue(fs, "duration")), "expiry": json.Number(flagValue(fs, "expiry")),
		"pricePerBytePerSecond": flagValue(fs, "price"), "collateralPerByte": flagValue(fs, "collateral"),
		"proofProbability": flagValue(fs, "proof-probability"),
	}
	if flagValue(fs, "json") == "true" {
		return c.print("POST", "/api/v1/purchases", body)
	}
	var res struct {
		RequestID string `json:"requestId"`
	}
	if err := c.call("POST", "/api/v1/purchases", body, &res); err != nil {
		return err
	}
	_, err := fmt.Fprintf(c.out, "requested:  %s\nfollow it:  slotd purchases (the state goes submitted, then started once hosts fill every slot)\n", res.RequestID)
	return err
}

func salesCmd(c *apiClient, fs *flag.FlagSet, pos []string) error {
	switch {
	case len(pos) == 0:
		return showTable(c, fs, "/api/v1/sales", writeSales)
	case len(pos) == 1 && pos[0] != "retry":
		return showTable(c, fs, "/api/v1/sales/"+pos[0], writeSale)
	case len(pos) == 2 && pos[0] == "retry":
		return c.print("POST", "/api/v1/sales/"+pos[1]+"/retry", nil)
	}
	return errUsage
}
