package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/slotd/slotd/node/datastore"
	"github.com/slotd/slotd/node/transfer"
)

func init() {
	register(&command{
		name:    "download",
		summary: "rebuild a dataset's file from local slots or providers and check it byte for byte",
		run:     runDownload,
	})
}

func runDownload(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("download", flag.ContinueOnError)
	fl.SetOutput(stderr)
	dataDir := fl.String("data-dir", dataDirFlagDefault(), "node data `dir` whose slots are used first ($SLOTD_DATA_DIR when set)")
	force := fl.Bool("force", false, "overwrite OUT if it exists")
	var providers []string
	fl.Func("provider", "base `URL` of a node serving the dataset (repeatable, or comma-separated)", func(s string) error {
		for part := range strings.SplitSeq(s, ",") {
			u, err := transfer.CleanProviderURL(part)
			if err != nil {
				return err
			}
			providers = transfer.MergeProviders(providers, []string{u})
		}
		return nil
	})
	rpc := fl.String("rpc", os.Getenv("SLOTD_RPC"), "Ethereum node `URL`: with no --provider, find the slots' hosts on chain ($SLOTD_RPC)")
	market := fl.String("marketplace", os.Getenv("SLOTD_MARKETPLACE"), "Marketplace contract `address` ($SLOTD_MARKETPLACE)")
	startBlock := fl.Uint64("start-block", envUint("SLOTD_START_BLOCK"), "where to look for a CID's requests ($SLOTD_START_BLOCK)")
	allowPrivate := fl.Bool("allow-private-providers", false, "with no --provider, let the hosts' URLs found on chain be loopback or private addresses (a devnet or LAN); they are strangers' otherwise")
	const usage = "usage: slotd download REQUEST_ID_OR_CID OUT [--data-dir DIR] [--provider URL ... | --rpc URL --marketplace ADDR [--allow-private-providers]] [--force]"
	setUsage(fl, stderr, strings.TrimPrefix(usage, "usage: slotd "), "Rebuilds dataset CID into OUT (\"-\" for stdout) from any K of its slots: those in the data dir\nfirst, the rest from the providers, every byte verified against CID; the result is checked\nagainst the size and SHA-256 recorded at upload. With no --provider and an --rpc, the providers\nare the hosts of the request's slots, found on chain with the URLs they recorded there.")
	pos, err := parseArgs(fl, args)
	if err != nil {
		return flagExit(err)
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "slotd download: "+format+"\n", a...)
		fmt.Fprintln(stderr, usage)
		return exitUsage
	}
	if len(pos) != 2 {
		return usageErr("want CID and OUT, got %d arguments", len(pos))
	}
	cid, err := datastore.ParseCID(pos[0])
	if err != nil {
		return usageErr("%v", err)
	}
	// The user's own --provider flags may name a LAN or loopback node;
	// URLs read from the chain are strangers' and must be public unless
	// --allow-private-providers says otherwise.
	private := len(providers) > 0 || *allowPrivate
	if len(providers) == 0 && *rpc != "" {
		if cid, providers, err = providersFromChain(ctx, *rpc, *market, cid, *startBlock); err != nil {
			fmt.Fprintf(stderr, "slotd download: %v\n", err)
			return exitError
		}
	}
	out := pos[1]
	if out != "-" && !*force {
		if _, err := os.Stat(out); err == nil {
			fmt.Fprintf(stderr, "slotd download: %s exists (use --force to overwrite)\n", out)
			return exitError
		} else if !errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintf(stderr, "slotd download: %v\n", err)
			return exitError
		}
	}
	// Shared: a node may be running on this dir; a download only reads it.
	ds, err := datastore.Open(*dataDir, &datastore.Options{Shared: true})
	if err != nil {
		fmt.Fprintf(stderr, "slotd download: %v\n", err)
		return exitError
	}
	d := transfer.NewDownloader(ds, nil, &transfer.Options{
		AllowPrivate: private,
		OnFault: func(p string, err error) {
			fmt.Fprintf(stderr, "slotd download: skipping provider %s: %v\n", p, err)
		},
	})

	var w io.Writer = stdout
	var tmp *os.File
	if out != "-" {
		tmp, err = os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".partial-*")
		if err != nil {
			fmt.Fprintf(stderr, "slotd download: %v\n", err)
			return exitError
		}
		defer func() {
			if tmp != nil {
				tmp.Close()
				os.Remove(tmp.Name())
			}
		}()
		w = tmp
	}
	var bar *transferBar
	man, st, err := d.DownloadFile(ctx, cid, providers, w, func(done, total uint64) {
		if bar == nil {
			bar = newTransferBar(stderr, "download", total)
		}
		bar.update(done)
	})
	if bar != nil {
		bar.finish(err == nil)
	}
	if err != nil {
		fmt.Fprintf(stderr, "slotd download: %v\n", err)
		return exitError
	}
	if tmp != nil {
		if err := tmp.Sync(); err != nil {
			fmt.Fprintf(stderr, "slotd download: %v\n", err)
			return exitError
		}
		tmp.Close()
		if err := os.Rename(tmp.Name(), out); err != nil {
			fmt.Fprintf(stderr, "slotd download: %v\n", err)
			return exitError
		}
		tmp = nil
	}
	msg := fmt.Sprintf("%s: %s, sha256 %x verified; %d local and %d remote slots",
		cid.Hex(), byteSize(man.FileSize), man.FileHash[:], st.LocalSlots, st.RemoteSlots)
	if st.Fetched > 0 {
		msg += fmt.Sprintf(", %s fetched", byteSize(st.Fetched))
	}
	for _, f := range st.Faults {
		msg += fmt.Sprintf("; provider %s skipped (%v)", f.Provider, f.Err)
	}
	if out == "-" {
		fmt.Fprintln(stderr, msg)
	} else {
		fmt.Fprintf(stdout, "%s\nwritten to %s\n", msg, out)
	}
	return exitOK
}

// providersFromChain finds arg's dataset and the URLs of its slots' hosts
// on the chain at rpc.
func providersFromChain(ctx context.Context, rpc, market string, arg datastore.CID, from uint64) (datastore.CID, []string, error) {
	m, c, err := dialMarket(ctx, rpc, market)
	if err != nil {
		return arg, nil, err
	}
	defer c.Close()
	head, err := c.BlockNumber(ctx)
	if err != nil {
		return arg, nil, fmt.Errorf("read the head: %w", err)
	}
	cid, providers, err := chainProviders(ctx, m, common.Hash(arg), from, head)
	if err != nil {
		return arg, nil, err
	}
	if len(providers) == 0 {
		return cid, nil, fmt.Errorf("no host of %s has recorded a URL on chain, and its request names no provider", arg.Hex())
	}
	return cid, providers, nil
}

// envUint reads a uint64 environment variable (0 when unset or bad; the
// flag's parse reports a bad value given on the command line).
func envUint(name string) uint64 {
	v, _ := strconv.ParseUint(os.Getenv(name), 10, 64)
	return v
}
