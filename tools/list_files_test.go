package tools

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func ignoreTree() map[string]string {
	return map[string]string{
		".gitignore":            "*.log\nbuild/\n!keep.log\ndocs/gen\n/rootonly.txt\nfile?.tmp\n",
		".git/config":           "",
		".github/workflow.yml":  "",
		"a.go":                  "",
		"app.log":               "",
		"keep.log":              "",
		"rootonly.txt":          "",
		"file1.tmp":             "",
		"file10.tmp":            "",
		"build/out.bin":         "",
		"src/build":             "", // a file named build: "build/" only matches directories
		"src/main.go":           "",
		"src/rootonly.txt":      "", // "/rootonly.txt" is anchored to the root
		"src/.ignore":           "*.gen.go\n",
		"src/x.gen.go":          "",
		"src/sub/.gitignore":    "!*.log\nsecret/\n",
		"src/sub/debug.log":     "",
		"src/sub/secret/s.txt":  "",
		"src/sub/ok.txt":        "",
		"docs/gen/index.html":   "",
		"docs/guide.md":         "",
		"other/docs/gen/x.html": "", // "docs/gen" has a slash: anchored, so this one stays
	}
}

func TestListFiles(t *testing.T) {
	ws := newTestWorkspace(t, ignoreTree())
	tests := []struct {
		name    string
		input   map[string]any
		want    string
		errPart string
	}{
		{name: "root", input: map[string]any{"path": "."}, want: ".github/\n.gitignore\na.go\ndocs/\nfile10.tmp\nkeep.log\nother/\nsrc/\n"},
		{name: "recursive", input: map[string]any{"path": ".", "recursive": true}, want: strings.Join([]string{
			".github/", ".github/workflow.yml", ".gitignore", "a.go", "docs/", "docs/guide.md", "file10.tmp", "keep.log",
			"other/", "other/docs/", "other/docs/gen/", "other/docs/gen/x.html",
			"src/", "src/.ignore", "src/build", "src/main.go", "src/rootonly.txt",
			"src/sub/", "src/sub/.gitignore", "src/sub/debug.log", "src/sub/ok.txt", ""}, "\n")},
		{name: "subdir uses root rules", input: map[string]any{"path": "src/sub", "recursive": true}, want: "src/sub/.gitignore\nsrc/sub/debug.log\nsrc/sub/ok.txt\n"},
		{name: "ignored dir by name", input: map[string]any{"path": "build"}, want: "build/out.bin\n"},
		{name: "empty", input: map[string]any{"path": "docs/gen", "recursive": true}, want: "docs/gen/index.html\n"},
		{name: "file", input: map[string]any{"path": "a.go"}, errPart: "is a file"},
		{name: "missing", input: map[string]any{"path": "nope"}, errPart: "does not exist"},
		{name: "outside", input: map[string]any{"path": ".."}, errPart: "outside the workspace"},
		{name: "recursive type", input: map[string]any{"path": ".", "recursive": "yes"}, errPart: `field "recursive" must be a boolean`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := run(t, ws, "list_files", tt.input)
			if tt.errPart != "" {
				require.Error(t, err)
				assert.ErrorContains(t, err, tt.errPart)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestListFilesEmptyAndSymlink(t *testing.T) {
	ws := newTestWorkspace(t, map[string]string{"empty/": "", "d/f": ""})
	got, err := run(t, ws, "list_files", map[string]any{"path": "empty"})
	require.NoError(t, err)
	assert.Contains(t, got, "is empty")

	require.NoError(t, os.Symlink(t.TempDir(), filepath.Join(ws.Root(), "d", "out")))
	got, err = run(t, ws, "list_files", map[string]any{"path": ".", "recursive": true})
	require.NoError(t, err)
	assert.Equal(t, "d/\nd/f\nd/out\nempty/\n", got, "a symlink is listed, not followed")
}

func TestListFilesCap(t *testing.T) {
	files := map[string]string{}
	for i := range 30 {
		files[fmt.Sprintf("top%02d", i)] = ""
		for j := range 10 {
			files[fmt.Sprintf("d%02d/f%02d", i, j)] = ""
		}
	}
	ws := newTestWorkspace(t, files)

	got, err := run(t, ws, "list_files", map[string]any{"path": ".", "recursive": true})
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(got), "\n")
	// 60 top-level entries come first (breadth first), then 140 of the 300 files.
	assert.Contains(t, got, "top29\n", "shallow entries are kept")
	assert.Contains(t, got, "d29/\n")
	assert.Contains(t, got, "[Showing 200 entries; 160 more entries not shown.")
	assert.Len(t, lines, 202)

	got, err = run(t, ws, "list_files", map[string]any{"path": "."})
	require.NoError(t, err)
	assert.NotContains(t, got, "not shown")
}

func TestListFilesCancelled(t *testing.T) {
	ws := newTestWorkspace(t, map[string]string{"a/b": ""})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := listFilesTool().Run(ctx, ws, []byte(`{"path":".","recursive":true}`))
	assert.ErrorIs(t, err, context.Canceled)
}

func TestIgnorePatterns(t *testing.T) {
	tests := []struct {
		lines string
		path  string
		dir   bool
		want  bool
	}{
		{"*.log", "a.log", false, true},
		{"*.log", "x/a.log", false, true},
		{"*.log\n!keep.log", "keep.log", false, false},
		{"build/", "build", true, true},
		{"build/", "build", false, false},
		{"/top", "top", false, true},
		{"/top", "x/top", false, false},
		{"a/b", "a/b", false, true},
		{"a/b", "x/a/b", false, false},
		{"**/a/b", "x/a/b", false, true},
		{"f?.txt", "f1.txt", false, true},
		{"f?.txt", "f12.txt", false, false},
		{"\\#hash", "#hash", false, true},
		{"# comment", "# comment", false, false},
		{"trailing   ", "trailing", false, true},
		{"a/**/z", "a/b/c/z", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.lines+" "+tt.path, func(t *testing.T) {
			r := &ignoreRules{pats: parseIgnoreLines(tt.lines)}
			assert.Equal(t, tt.want, r.ignored(tt.path, tt.dir))
		})
	}
}
