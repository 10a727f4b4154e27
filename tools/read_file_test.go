package tools

import (
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func numbered(from, to int) string {
	var b strings.Builder
	for i := from; i <= to; i++ {
		fmt.Fprintf(&b, "line %d\n", i)
	}
	return b.String()
}

func TestReadFile(t *testing.T) {
	long := strings.Repeat("é", readMaxLineChars+5)
	ws := newTestWorkspace(t, map[string]string{
		"a.txt":       "one\ntwo\r\nthree",
		"empty.txt":   "",
		"big.txt":     numbered(1, 2500),
		"long.txt":    long + "\nshort\n",
		"bin.dat":     "abc\x00def",
		"latebin.txt": strings.Repeat("x", binarySniffBytes) + "\x00",
		"bad.txt":     "ok \xff\xfe bytes\n",
		".gitignore":  "secret.env\n",
		"secret.env":  "KEY=1\n",
		"dir/x":       "",
	})
	tests := []struct {
		name    string
		input   any
		want    string // exact output, when set
		has     []string
		hasNot  []string
		errPart string
	}{
		{name: "whole", input: map[string]any{"path": "a.txt"}, want: "1 | one\n2 | two\n3 | three\n"},
		{name: "range", input: map[string]any{"path": "a.txt", "start_line": 2, "end_line": 2}, want: "2 | two\n\n[Showing lines 2-2 of 3.]\n"},
		{name: "from", input: map[string]any{"path": "a.txt", "start_line": 3}, want: "3 | three\n\n[Showing lines 3-3 of 3.]\n"},
		{name: "end past eof", input: map[string]any{"path": "a.txt", "end_line": 99}, want: "1 | one\n2 | two\n3 | three\n"},
		{name: "empty", input: map[string]any{"path": "empty.txt"}, want: "(empty.txt is empty)"},
		{name: "ignored by name", input: map[string]any{"path": "secret.env"}, want: "1 | KEY=1\n"},
		{name: "line cap", input: map[string]any{"path": "big.txt"},
			has:    []string{"1 | line 1\n", "2000 | line 2000\n", "Showing lines 1-2000 of 2500", "start_line 2001"},
			hasNot: []string{"2001 | line 2001"}},
		{name: "read on", input: map[string]any{"path": "big.txt", "start_line": 2001},
			has: []string{"2001 | line 2001\n", "2500 | line 2500\n"}, hasNot: []string{"2000 | "}},
		{name: "long line", input: map[string]any{"path": "long.txt"},
			has: []string{"1 | " + long[:2*readMaxLineChars] + " … [5 more characters]\n", "2 | short\n", "cut at 2000 characters"}},
		{name: "invalid utf8", input: map[string]any{"path": "bad.txt"}, want: "1 | ok \uFFFD bytes\n"},
		{name: "binary", input: map[string]any{"path": "bin.dat"}, errPart: "binary"},
		{name: "nul after sniff", input: map[string]any{"path": "latebin.txt"}, has: []string{"1 | xxx"}},
		{name: "directory", input: map[string]any{"path": "dir"}, errPart: "is a directory"},
		{name: "missing", input: map[string]any{"path": "nope.txt"}, errPart: "does not exist"},
		{name: "outside", input: map[string]any{"path": "../x"}, errPart: "outside the workspace"},
		{name: "no path", input: map[string]any{}, errPart: `missing required field "path"`},
		{name: "null path", input: map[string]any{"path": nil}, errPart: `missing required field "path"`},
		{name: "path type", input: map[string]any{"path": 3}, errPart: `field "path" must be a string`},
		{name: "start type", input: map[string]any{"path": "a.txt", "start_line": "2"}, errPart: `field "start_line" must be an integer`},
		{name: "start zero", input: map[string]any{"path": "a.txt", "start_line": 0}, errPart: "start_line must be 1 or more"},
		{name: "end before start", input: map[string]any{"path": "a.txt", "start_line": 3, "end_line": 2}, errPart: "must not be before"},
		{name: "start past eof", input: map[string]any{"path": "a.txt", "start_line": 4}, errPart: "past the end"},
		{name: "not object", input: []int{1}, errPart: "JSON object"},
		{name: "unknown field ignored", input: map[string]any{"path": "a.txt", "mode": "x"}, want: "1 | one\n2 | two\n3 | three\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := run(t, ws, "read_file", tt.input)
			if tt.errPart != "" {
				require.Error(t, err)
				assert.ErrorContains(t, err, tt.errPart)
				return
			}
			require.NoError(t, err)
			if tt.want != "" {
				assert.Equal(t, tt.want, got)
			}
			for _, s := range tt.has {
				assert.Contains(t, got, s)
			}
			for _, s := range tt.hasNot {
				assert.NotContains(t, got, s)
			}
		})
	}
}

// TestSpecialFiles checks that a FIFO is refused or skipped rather than
// blocking the tool forever.
func TestSpecialFiles(t *testing.T) {
	ws := newTestWorkspace(t, map[string]string{"a.go": "package a\n"})
	require.NoError(t, syscall.Mkfifo(filepath.Join(ws.Root(), "fifo.go"), 0o644))
	_, err := run(t, ws, "read_file", map[string]any{"path": "fifo.go"})
	assert.ErrorContains(t, err, "not a regular file")
	_, err = run(t, ws, "list_code_definition_names", map[string]any{"path": "fifo.go"})
	assert.ErrorContains(t, err, "not a regular file")
	_, err = run(t, ws, "write_to_file", map[string]any{"path": "fifo.go", "content": "x"})
	assert.ErrorContains(t, err, "not a regular file")
	backends(t, ws, func(t *testing.T, ws *Workspace) {
		got, err := run(t, ws, "search_files", map[string]any{"path": "fifo.go", "regex": "x"})
		require.NoError(t, err)
		assert.Contains(t, got, "No matches")
		got, err = run(t, ws, "search_files", map[string]any{"path": ".", "regex": "package"})
		require.NoError(t, err)
		assert.Contains(t, got, "Found 1 match in 1 file.")
	})
}

func TestReadFileSizeLimit(t *testing.T) {
	ws := newTestWorkspace(t, map[string]string{"huge.txt": strings.Repeat("a\n", readMaxBytes/2+1)})
	_, err := run(t, ws, "read_file", map[string]any{"path": "huge.txt"})
	require.Error(t, err)
	assert.ErrorContains(t, err, "over read_file's limit of 10.0 MiB")
}
