package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/slotd/slotd/contracts/bindings"
)

func init() {
	register(&command{name: "version", summary: "print slotd's version, commit, Go version and contract bytecode hash", run: runVersion})
}

func runVersion(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	setUsage(fs, stderr, "version", "Prints the module version, the commit it was built from, the Go version, and\nthe keccak256 of the Marketplace's creation bytecode this binary deploys and expects.")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return flagExit(err)
	}
	if len(pos) != 0 {
		fs.Usage()
		return exitUsage
	}
	v := buildVersion()
	fmt.Fprintf(stdout, "slotd %s\ncommit:      %s\ngo:          %s %s/%s\nmarketplace: keccak256 %s (creation bytecode)\ntest token:  keccak256 %s\n",
		v.module, v.commit, runtime.Version(), runtime.GOOS, runtime.GOARCH,
		codeHash(bindings.MarketplaceMetaData.Bin), codeHash(bindings.TestTokenMetaData.Bin))
	return exitOK
}

type version struct{ module, commit string }

// buildVersion reads the module version and VCS stamp the go tool embeds;
// `go run` and test binaries have no VCS stamp.
func buildVersion() version {
	v := version{module: "(devel)", commit: "unknown (built without VCS information)"}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	if bi.Main.Version != "" {
		v.module = bi.Main.Version
	}
	var rev, at, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = ", with uncommitted changes"
			}
		}
	}
	if rev != "" {
		v.commit = rev + " (" + at + dirty + ")"
	}
	return v
}

func codeHash(bin string) string { return crypto.Keccak256Hash(common.FromHex(bin)).Hex() }
