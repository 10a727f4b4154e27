// Benchmarks of the workspace tools on large trees: search_files with the
// pure-Go searcher and with ripgrep side by side (plus the rg command line
// alone, for reference), and a recursive list_files. The trees are the Go
// distribution's own $(go env GOROOT)/src (about 10,000 files) and a
// generated tree of 100,000 files.
//
//	go test -run '^$' -bench . -benchtime 5x ./bench/
package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentls/agentls/tools"
)

// searchRegex is the same for every backend: a literal part that the
// searchers can look for first and a regex part to check.
const searchRegex = `func \w+Error\(`

func BenchmarkTools(b *testing.B) {
	trees := []struct {
		name string
		root func(b *testing.B) string
	}{
		{"goroot", goroot},
		{"gen100k", generateTree},
	}
	for _, tree := range trees {
		b.Run(tree.name, func(b *testing.B) {
			root := tree.root(b)
			b.Run("search/go", func(b *testing.B) { benchTool(b, root, false, "search_files", searchInput) })
			b.Run("search/rg", func(b *testing.B) { benchTool(b, root, true, "search_files", searchInput) })
			b.Run("search/rg-cli", func(b *testing.B) { benchRGCommand(b, root) })
			b.Run("list", func(b *testing.B) { benchTool(b, root, false, "list_files", listInput) })
		})
	}
}

// goroot returns $(go env GOROOT)/src.
func goroot(b *testing.B) string {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		b.Skipf("go env GOROOT: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "src")
}

var (
	searchInput = json.RawMessage(`{"path":".","regex":` + mustQuote(searchRegex) + `}`)
	listInput   = json.RawMessage(`{"path":".","recursive":true}`)
)

func mustQuote(s string) string {
	q, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(q)
}

// benchTool runs a tool on root. The search_files backend follows PATH,
// as in production: with rg false, PATH is emptied before the workspace
// is made, so the pure-Go searcher runs.
func benchTool(b *testing.B, root string, rg bool, name string, input json.RawMessage) {
	if rg {
		if _, err := exec.LookPath("rg"); err != nil {
			b.Skip("rg is not installed")
		}
	} else {
		b.Setenv("PATH", "")
	}
	ws, err := tools.NewWorkspace(root)
	if err != nil {
		b.Fatal(err)
	}
	tool, ok := tools.ByName(name)
	if !ok {
		b.Fatalf("no tool %s", name)
	}
	ctx := context.Background()
	var out string
	b.ReportAllocs()
	for b.Loop() {
		out, err = tool.Run(ctx, ws, input)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(strings.Count(out, "\n")), "lines")
}

// benchRGCommand runs ripgrep itself with the flags search_files gives it,
// its output thrown away: the floor for the rg backend.
func benchRGCommand(b *testing.B, root string) {
	rg, err := exec.LookPath("rg")
	if err != nil {
		b.Skip("rg is not installed")
	}
	for b.Loop() {
		cmd := exec.Command(rg, "--json", "--context=1", "--no-config", "--hidden", "--no-require-git",
			"--no-ignore-global", "--no-ignore-exclude", "--glob=!.git", "--regexp="+searchRegex, "--", ".")
		cmd.Dir = root
		if err := cmd.Run(); err != nil {
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
				b.Fatal(err)
			}
		}
	}
}

// generateTree writes 100,000 small files (100 directories of 10
// subdirectories of 100 files) under b.TempDir, with a .gitignore, a few
// ignored directories and a match in one file of 50.
func generateTree(b *testing.B) string {
	b.Helper()
	root := b.TempDir()
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	write(filepath.Join(root, ".gitignore"), "*.tmp\nvendor/\n")
	body := strings.Repeat("// A line of filler text that the search has to read through.\nvar x = 1\n", 4)
	n := 0
	for i := range 100 {
		for j := range 10 {
			dir := filepath.Join(root, fmt.Sprintf("pkg%03d", i), fmt.Sprintf("sub%02d", j))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				b.Fatal(err)
			}
			for k := range 100 {
				s := body
				if n%50 == 0 {
					s += fmt.Sprintf("func Check%dError(err error) {}\n", n)
				}
				write(filepath.Join(dir, fmt.Sprintf("f%03d.go", k)), s)
				n++
			}
		}
	}
	return root
}
