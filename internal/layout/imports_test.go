// Package layout_test holds the README's table of what each package may
// import against the code, so that the map a newcomer reads is the one
// the compiler builds.
package layout_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const (
	module = "github.com/slotd/slotd/"
	geth   = "github.com/ethereum/go-ethereum"
)

// rule is one row of the README's table.
type rule struct {
	row  int
	own  []string // packages of this module, relative to it
	geth []string // go-ethereum packages, relative to it ("go-ethereum": the root); nil: none
	any  bool     // any go-ethereum package
}

// TestImportsFollowTheREADME: every package of the module has a row in
// the README's "What each package may import", imports of this module only
// what its row lists, each from a row above, and of go-ethereum only what
// its row allows.
func TestImportsFollowTheREADME(t *testing.T) {
	rules, err := readTable(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH")
	}
	out, err := exec.Command(goTool, "list", "-json=ImportPath,GoFiles,Imports", module+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := 0
	for dec.More() {
		var p struct {
			ImportPath string
			GoFiles    []string
			Imports    []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		if len(p.GoFiles) == 0 {
			continue // tests only, like this one
		}
		seen++
		name := strings.TrimPrefix(p.ImportPath, module)
		r, ok := rules[name]
		if !ok {
			t.Errorf("%s has no row in the README's import table", name)
			continue
		}
		for _, imp := range p.Imports {
			switch {
			case strings.HasPrefix(imp, module):
				dep := strings.TrimPrefix(imp, module)
				if !slices.Contains(r.own, dep) {
					t.Errorf("%s imports %s, which its row does not list", name, dep)
				} else if d, ok := rules[dep]; ok && d.row >= r.row {
					t.Errorf("%s imports %s, whose row is not above its own", name, dep)
				}
			case imp == geth || strings.HasPrefix(imp, geth+"/"):
				rel := strings.TrimPrefix(strings.TrimPrefix(imp, geth), "/")
				if rel == "" {
					rel = "go-ethereum"
				}
				if !r.any && !slices.Contains(r.geth, rel) {
					t.Errorf("%s imports go-ethereum's %s, which its row does not allow", name, rel)
				}
			}
		}
	}
	if seen == 0 {
		t.Fatal("go list found no package")
	}
}

// readTable reads the table under "### What each package may import".
func readTable(path string) (map[string]rule, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rules := map[string]rule{}
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "### What each package may import":
			in = true
			continue
		case !in:
			continue
		case strings.HasPrefix(line, "#") || strings.HasPrefix(line, "**"):
			in = false
			continue
		case !strings.HasPrefix(line, "| `"):
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) < 3 {
			return nil, fmt.Errorf("README import table: row %q has %d cells, want package, slotd, go-ethereum and a note", line, len(cells))
		}
		name := strings.Trim(strings.TrimSpace(cells[0]), "`")
		r := rule{row: len(rules), own: names(cells[1])}
		switch g := strings.TrimSpace(cells[2]); g {
		case "any":
			r.any = true
		case "no":
		default:
			r.geth = names(g)
		}
		if _, dup := rules[name]; dup {
			return nil, fmt.Errorf("README import table: %s has two rows", name)
		}
		rules[name] = r
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(rules) == 0 {
		return nil, fmt.Errorf("%s: no import table under \"### What each package may import\"", path)
	}
	return rules, nil
}

// names are the backquoted names of a cell ("—": none).
func names(cell string) []string {
	var out []string
	for _, part := range strings.Split(cell, ",") {
		if n := strings.Trim(strings.TrimSpace(part), "`"); n != "" && n != "—" {
			out = append(out, n)
		}
	}
	return out
}
