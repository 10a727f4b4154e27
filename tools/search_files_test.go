package tools

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// backends runs f once with the pure-Go searcher and once with ripgrep,
// which is skipped when rg is not installed.
func backends(t *testing.T, ws *Workspace, f func(t *testing.T, ws *Workspace)) {
	t.Run("go", func(t *testing.T) {
		w := *ws
		w.rg = ""
		f(t, &w)
	})
	t.Run("rg", func(t *testing.T) {
		rg, err := exec.LookPath("rg")
		if err != nil {
			t.Skip("rg is not installed")
		}
		w := *ws
		w.rg = rg
		f(t, &w)
	})
}

func TestSearchFiles(t *testing.T) {
	files := ignoreTree()
	files["a.go"] = "package a\n\nfunc A() {}\n\nfunc B() {}\nfunc C() {}\n"
	files["src/main.go"] = "package main\r\n\r\nfunc main() {\r\n}\r\n"
	files["src/x.gen.go"] = "func Generated() {}\n"
	files["build/out.bin"] = "func Binary() {}\n"
	files["bin.dat"] = "func InBinary() {}\x00\n"
	files["docs/guide.md"] = "Use func A.\n" + strings.Repeat("x", 600) + "func Long\n"
	files["bad.txt"] = "func \xff bytes\n"
	files["src/sub/debug.log"] = "func Log() {}"
	ws := newTestWorkspace(t, files)

	tests := []struct {
		name    string
		input   map[string]any
		want    string
		errPart string
	}{
		{name: "all", input: map[string]any{"path": ".", "regex": `func`}, want: `Found 8 matches in 5 files.

# a.go
2 | 
3 | func A() {}
4 | 
5 | func B() {}
6 | func C() {}

# bad.txt
1 | func ` + "\uFFFD" + ` bytes

# docs/guide.md
1 | Use func A.
2 | ` + strings.Repeat("x", 500) + ` … [109 more characters]

# src/main.go
2 | 
3 | func main() {
4 | }

# src/sub/debug.log
1 | func Log() {}
`},
		{name: "class", input: map[string]any{"path": ".", "regex": `func [A-Z]`}, want: "Found 6 matches in 3 files.\n\n# a.go\n2 | \n3 | func A() {}\n4 | \n5 | func B() {}\n6 | func C() {}\n\n# docs/guide.md\n1 | Use func A.\n2 | " + strings.Repeat("x", 500) + " … [109 more characters]\n\n# src/sub/debug.log\n1 | func Log() {}\n"},
		{name: "file pattern", input: map[string]any{"path": ".", "regex": `^func`, "file_pattern": "*.go"}, want: `Found 4 matches in 2 files.

# a.go
2 | 
3 | func A() {}
4 | 
5 | func B() {}
6 | func C() {}

# src/main.go
2 | 
3 | func main() {
4 | }
`},
		{name: "brace glob", input: map[string]any{"path": "src", "regex": `func`, "file_pattern": "*.{log,go}"}, want: "Found 2 matches in 2 files.\n\n# src/main.go\n2 | \n3 | func main() {\n4 | }\n\n# src/sub/debug.log\n1 | func Log() {}\n"},
		{name: "path glob", input: map[string]any{"path": ".", "regex": `func`, "file_pattern": "src/**/*.log"}, want: "Found 1 match in 1 file.\n\n# src/sub/debug.log\n1 | func Log() {}\n"},
		{name: "subdir", input: map[string]any{"path": "src", "regex": `main`}, want: "Found 2 matches in 1 file.\n\n# src/main.go\n1 | package main\n2 | \n3 | func main() {\n4 | }\n"},
		{name: "ignored dir by name", input: map[string]any{"path": "build", "regex": `func`}, want: "Found 1 match in 1 file.\n\n# build/out.bin\n1 | func Binary() {}\n"},
		{name: "single ignored file", input: map[string]any{"path": "src/x.gen.go", "regex": `Gen`}, want: "Found 1 match in 1 file.\n\n# src/x.gen.go\n1 | func Generated() {}\n"},
		{name: "no match", input: map[string]any{"path": ".", "regex": `nothing here`}, want: `No matches for "nothing here" in the workspace.`},
		{name: "case insensitive", input: map[string]any{"path": "src", "regex": `(?i)FUNC MAIN`}, want: "Found 1 match in 1 file.\n\n# src/main.go\n2 | \n3 | func main() {\n4 | }\n"},
		{name: "bad regex", input: map[string]any{"path": ".", "regex": `(`}, errPart: "not valid RE2 syntax"},
		{name: "lookahead", input: map[string]any{"path": ".", "regex": `a(?=b)`}, errPart: "not valid RE2 syntax"},
		{name: "empty regex", input: map[string]any{"path": ".", "regex": ""}, errPart: "regex is empty"},
		{name: "bad glob", input: map[string]any{"path": ".", "regex": "x", "file_pattern": "[a"}, errPart: "not a valid glob"},
		{name: "missing regex", input: map[string]any{"path": "."}, errPart: `missing required field "regex"`},
		{name: "outside", input: map[string]any{"path": "..", "regex": "x"}, errPart: "outside the workspace"},
		{name: "missing path", input: map[string]any{"path": "nope", "regex": "x"}, errPart: "does not exist"},
	}
	backends(t, ws, func(t *testing.T, ws *Workspace) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := run(t, ws, "search_files", tt.input)
				if tt.errPart != "" {
					require.Error(t, err)
					assert.ErrorContains(t, err, tt.errPart)
					return
				}
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
			})
		}
	})
}

func TestSearchFilesCap(t *testing.T) {
	files := map[string]string{}
	for i := range 40 {
		var b strings.Builder
		for j := range 10 {
			fmt.Fprintf(&b, "hit %d %d\nmiss\n", i, j)
		}
		files[fmt.Sprintf("f%02d.txt", i)] = b.String()
	}
	files["many.txt"] = strings.Repeat("hit\n", 1000)
	ws := newTestWorkspace(t, files)
	backends(t, ws, func(t *testing.T, ws *Workspace) {
		got, err := run(t, ws, "search_files", map[string]any{"path": ".", "regex": "hit"})
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(got, "Found 1400 matches in 41 files; showing the first 300, by path."), got[:100])
		assert.Contains(t, got, "# f29.txt\n")
		assert.NotContains(t, got, "# f30.txt\n")
		assert.NotContains(t, got, "many.txt")
		assert.Equal(t, 300, strings.Count(got, "| hit"))
		assert.True(t, strings.HasSuffix(got, "20 | miss\n"), "the last match keeps its context: %s", got[len(got)-60:])

		got, err = run(t, ws, "search_files", map[string]any{"path": "many.txt", "regex": "hit"})
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(got, "Found 1000 matches in 1 file; showing the first 300"))
		assert.Contains(t, got, "301 | hit\n")
		assert.NotContains(t, got, "302 | hit")
	})
}

func TestSearchFilesCancelled(t *testing.T) {
	ws := newTestWorkspace(t, map[string]string{"a.txt": "x\n", "d/b.txt": "x\n"})
	backends(t, ws, func(t *testing.T, ws *Workspace) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := searchFilesTool().Run(ctx, ws, []byte(`{"path":".","regex":"x"}`))
		assert.ErrorIs(t, err, context.Canceled)
	})
}

func TestLineMatcher(t *testing.T) {
	tests := []struct {
		regex string
		data  string
		want  []int
	}{
		{`foo`, "foo\nbar\nfoo bar\n", []int{1, 3}},
		{`^bar$`, "foo\nbar\nbarx\n", []int{2}},
		{`x*`, "a\nb\n", []int{1, 2}},
		{`a\s*b`, "a\nb\nab\n", []int{3}},
		{`o\nb`, "foo\nbar\n", nil},
		{`(?i)HELLO`, "hello\n", []int{1}},
		{`end`, "no\nend", []int{2}},
		{`^$`, "a\n\nb\n", []int{2}},
		{`longliteral\d`, "longliteral\nlongliteral7\n", []int{2}},
	}
	for _, tt := range tests {
		t.Run(tt.regex, func(t *testing.T) {
			m := newLineMatcher(mustCompile(t, tt.regex))
			var got []int
			m.search([]byte(tt.data), func(n, _, _ int) bool { got = append(got, n); return true })
			assert.Equal(t, tt.want, got)
		})
	}
}
