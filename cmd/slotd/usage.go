package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// setUsage gives fs the one -h form every subcommand shares:
//
//	usage: slotd SYNOPSIS
//
//	ABOUT (if any)
//
//	flags:
//	  -name ... (default ...)
func setUsage(fs *flag.FlagSet, w io.Writer, synopsis, about string) {
	fs.SetOutput(w)
	fs.Usage = func() {
		fmt.Fprintf(w, "usage: slotd %s\n", synopsis)
		if about != "" {
			fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(about))
		}
		fmt.Fprintln(w, "\nflags:")
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n == 0 {
			fmt.Fprintln(w, "  -h\tthis help (the command has no other flags)")
		}
		fs.PrintDefaults()
	}
}

// apiBase turns what --api may hold, host:port or a URL, into a base URL
// without a trailing slash: "127.0.0.1:8080" is "http://127.0.0.1:8080".
func apiBase(s string) string {
	s = strings.TrimSpace(s)
	if s != "" && !strings.Contains(s, "://") {
		s = "http://" + s
	}
	return strings.TrimRight(s, "/")
}
