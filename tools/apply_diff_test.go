package tools

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func block(search, replace string) string {
	return "<<<<<<< SEARCH\n" + search + "=======\n" + replace + ">>>>>>> REPLACE\n"
}

func TestApplyDiff(t *testing.T) {
	const src = "package a\n\nfunc A() {\n\treturn\n}\n\nfunc B() {\n\treturn\n}\n"
	tests := []struct {
		name    string
		file    string // initial content of f.go
		diff    string
		want    string // content after; "" with errPart means unchanged
		msg     string // part of the answer
		errPart string
	}{
		{name: "exact", file: src, diff: block("func A() {\n\treturn\n}\n", "func A() int {\n\treturn 1\n}\n"),
			want: strings.Replace(src, "func A() {\n\treturn\n}", "func A() int {\n\treturn 1\n}", 1), msg: "Applied 1 block to f.go"},
		{name: "header lines", file: src, diff: "<<<<<<< SEARCH\n:start_line:7\n-------\nfunc B() {\n=======\nfunc B2() {\n>>>>>>> REPLACE\n",
			want: strings.Replace(src, "func B()", "func B2()", 1)},
		{name: "two blocks in order", file: src, diff: block("func A() {\n", "func A1() {\n") + "text between blocks is ignored\n" + block("func B() {\n", "func B1() {\n"),
			want: strings.Replace(strings.Replace(src, "func A()", "func A1()", 1), "func B()", "func B1()", 1), msg: "Applied 2 blocks"},
		{name: "delete", file: src, diff: block("\nfunc B() {\n\treturn\n}\n", ""), want: "package a\n\nfunc A() {\n\treturn\n}\n"},
		{name: "whitespace tolerant", file: src, diff: block("func A()   {\n    return\n}\n", "func A() {\n    return // done\n}\n"),
			want: strings.Replace(src, "\treturn\n}\n\nfunc B", "\treturn // done\n}\n\nfunc B", 1), msg: "ignoring whitespace"},
		{name: "line numbers stripped", file: src, diff: block("3 | func A() {\n", "3 | func A0() {\n"), want: strings.Replace(src, "func A()", "func A0()", 1)},
		{name: "ambiguous", file: src, diff: block("\treturn\n", "\treturn nil\n"), errPart: "matches 2 places, at lines 4, 8"},
		{name: "ambiguous resolved by start_line", file: src, diff: "<<<<<<< SEARCH\n:start_line:8\n\treturn\n=======\n\treturn nil\n>>>>>>> REPLACE\n",
			want: "package a\n\nfunc A() {\n\treturn\n}\n\nfunc B() {\n\treturn nil\n}\n"},
		{name: "start_line follows earlier blocks", file: src,
			diff: block("package a\n", "package a\n\nimport \"fmt\"\n") + "<<<<<<< SEARCH\n:start_line:8\n\treturn\n=======\n\treturn nil\n>>>>>>> REPLACE\n",
			want: "package a\n\nimport \"fmt\"\n\nfunc A() {\n\treturn\n}\n\nfunc B() {\n\treturn nil\n}\n"},
		{name: "missing with candidates", file: src, diff: block("func A() {\n\treturn 42\n}\n", "x\n"), errPart: "The closest lines are 3-5 (2 of 3 lines alike):\n3 | func A() {\n4 | \treturn\n5 | }"},
		{name: "missing entirely", file: src, diff: block("nothing like it\n", "x\n"), errPart: "No line of it occurs"},
		{name: "all or none", file: src, diff: block("func A() {\n", "func A1() {\n") + block("func Z() {\n", "x\n"), errPart: "block 2 of 2"},
		{name: "empty search", file: src, diff: block("", "x\n"), errPart: "SEARCH part is empty"},
		{name: "malformed", file: src, diff: "<<<<<<< SEARCH\nfoo\n", errPart: "malformed"},
		{name: "no blocks", file: src, diff: "just text", errPart: "no SEARCH/REPLACE block"},
		{name: "crlf kept", file: "a\r\nb\r\nc\r\n", diff: block("b\n", "B\nB2\n"), want: "a\r\nB\r\nB2\r\nc\r\n"},
		{name: "no final newline kept", file: "a\nb", diff: block("b\n", "c\n"), want: "a\nc"},
		{name: "escaped marker", file: "x\n=======\ny\n", diff: block("\\=======\n", "---\n"), want: "x\n---\ny\n"},
		{name: "reindent tabs", file: "if x {\n\tcall()\n}\n", diff: block("    call()\n", "    call(1)\n    call(2)\n"), want: "if x {\n\tcall(1)\n\tcall(2)\n}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := newTestWorkspace(t, map[string]string{"f.go": tt.file})
			got, err := run(t, ws, "apply_diff", map[string]any{"path": "f.go", "diff": tt.diff})
			data, rerr := os.ReadFile(filepath.Join(ws.Root(), "f.go"))
			require.NoError(t, rerr)
			if tt.errPart != "" {
				require.Error(t, err)
				assert.ErrorContains(t, err, tt.errPart)
				assert.Equal(t, tt.file, string(data), "file unchanged")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(data))
			assert.Contains(t, got, tt.msg)
		})
	}
}

func TestApplyDiffRefusals(t *testing.T) {
	ws := newTestWorkspace(t, map[string]string{"bin": "a\x00b", "d/": ""})
	require.NoError(t, os.Symlink(t.TempDir(), filepath.Join(ws.Root(), "out")))
	for name, in := range map[string]map[string]any{
		"missing file":   {"path": "nope.go", "diff": block("a\n", "b\n")},
		"binary":         {"path": "bin", "diff": block("a\n", "b\n")},
		"directory":      {"path": "d", "diff": block("a\n", "b\n")},
		"outside":        {"path": "../x", "diff": block("a\n", "b\n")},
		"symlink out":    {"path": "out/x", "diff": block("a\n", "b\n")},
		"missing diff":   {"path": "bin"},
		"diff not text":  {"path": "bin", "diff": 3},
		"path not given": {"diff": "x"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := run(t, ws, "apply_diff", in)
			assert.Error(t, err)
		})
	}
}

func TestParseDiff(t *testing.T) {
	blocks, err := parseDiff("<<<<<<< SEARCH\r\n:start_line:3\r\n:end_line:4\r\n-------\r\na\r\n=======\r\nb\r\n>>>>>>> REPLACE")
	require.NoError(t, err)
	assert.Equal(t, []diffBlock{{startLine: 3, search: []string{"a"}, replace: []string{"b"}}}, blocks)

	for _, bad := range []string{
		"=======\n",
		"<<<<<<< SEARCH\n:start_line:x\na\n=======\nb\n>>>>>>> REPLACE\n",
		"<<<<<<< SEARCH\na\n<<<<<<< SEARCH\n",
		"<<<<<<< SEARCH\na\n=======\nb\n=======\n",
		"<<<<<<< SEARCH\na\n=======\nb\n",
	} {
		_, err := parseDiff(bad)
		assert.Error(t, err, bad)
	}
}
