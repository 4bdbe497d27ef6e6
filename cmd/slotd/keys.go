package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/slotd/slotd/node/keys"
)

func init() {
	register(&command{name: "keys", summary: "make or import the node's signing key (keys new | keys import HEXFILE)", run: runKeys})
}

func runKeys(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("keys", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "./keystore", "keystore directory")
	pw := fs.String("password-file", "", "file holding the password that encrypts the key (required)")
	setUsage(fs, stderr, "keys new --password-file F [--dir DIR]\n       slotd keys import --password-file F [--dir DIR] HEXKEYFILE", "")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return flagExit(err)
	}
	if *pw == "" || len(pos) == 0 {
		fs.Usage()
		return exitUsage
	}
	var addr fmt.Stringer
	var file string
	switch {
	case pos[0] == "new" && len(pos) == 1:
		a, f, e := keys.New(*dir, *pw, keys.Standard)
		addr, file, err = a, f, e
	case pos[0] == "import" && len(pos) == 2:
		a, f, e := keys.Import(*dir, pos[1], *pw, keys.Standard)
		addr, file, err = a, f, e
	default:
		fs.Usage()
		return exitUsage
	}
	if err != nil {
		fmt.Fprintln(stderr, "slotd keys:", err)
		return exitError
	}
	fmt.Fprintf(stdout, "address %s\nkey file %s\n", addr, file)
	return exitOK
}
