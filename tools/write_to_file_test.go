package tools

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteToFile(t *testing.T) {
	outside := t.TempDir()
	ws := newTestWorkspace(t, map[string]string{"old.sh": "echo old\n", "dir/": ""})
	root := ws.Root()
	require.NoError(t, os.Chmod(filepath.Join(root, "old.sh"), 0o755))
	require.NoError(t, os.Symlink(outside, filepath.Join(root, "out")))

	tests := []struct {
		name    string
		input   map[string]any
		want    string
		file    string // path whose content is checked
		content string
		errPart string
	}{
		{name: "create", input: map[string]any{"path": "a.txt", "content": "1\n2\n"}, want: "Created a.txt (2 lines).", file: "a.txt", content: "1\n2\n"},
		{name: "parents", input: map[string]any{"path": "x/y/z.txt", "content": "no newline"}, want: "Created x/y/z.txt (1 line).", file: "x/y/z.txt", content: "no newline"},
		{name: "replace", input: map[string]any{"path": "old.sh", "content": "echo new\n"}, want: "Wrote old.sh (1 line).", file: "old.sh", content: "echo new\n"},
		{name: "empty content", input: map[string]any{"path": "empty", "content": ""}, want: "Created empty (0 lines).", file: "empty", content: ""},
		{name: "directory", input: map[string]any{"path": "dir", "content": "x"}, errPart: "is a directory"},
		{name: "missing content", input: map[string]any{"path": "b.txt"}, errPart: `missing required field "content"`},
		{name: "outside", input: map[string]any{"path": "../evil.txt", "content": "x"}, errPart: "outside the workspace"},
		{name: "absolute outside", input: map[string]any{"path": filepath.Join(outside, "evil.txt"), "content": "x"}, errPart: "outside the workspace"},
		{name: "through symlink", input: map[string]any{"path": "out/evil.txt", "content": "x"}, errPart: "symbolic link"},
		{name: "new dir through symlink", input: map[string]any{"path": "out/new/evil.txt", "content": "x"}, errPart: "symbolic link"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := run(t, ws, "write_to_file", tt.input)
			if tt.errPart != "" {
				require.Error(t, err)
				assert.ErrorContains(t, err, tt.errPart)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			data, err := os.ReadFile(filepath.Join(root, tt.file))
			require.NoError(t, err)
			assert.Equal(t, tt.content, string(data))
		})
	}
	// Nothing leaked outside, and no temporary files were left behind.
	entries, err := os.ReadDir(outside)
	require.NoError(t, err)
	assert.Empty(t, entries)
	fi, err := os.Stat(filepath.Join(root, "old.sh"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o755), fi.Mode().Perm(), "mode kept")
	var tmps []string
	require.NoError(t, filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if filepath.Ext(p) == ".tmp" {
			tmps = append(tmps, p)
		}
		return err
	}))
	assert.Empty(t, tmps)
}

// TestWriteAtomicFailureKeepsOld checks that a failed write leaves the old
// file as it was and no temporary file behind.
func TestWriteAtomicFailureKeepsOld(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root ignores directory permissions")
	}
	ws := newTestWorkspace(t, map[string]string{"ro/f.txt": "old"})
	dir := filepath.Join(ws.Root(), "ro")
	require.NoError(t, os.Chmod(dir, 0o555))
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	_, err := run(t, ws, "write_to_file", map[string]any{"path": "ro/f.txt", "content": "new"})
	require.Error(t, err)
	data, err := os.ReadFile(filepath.Join(dir, "f.txt"))
	require.NoError(t, err)
	assert.Equal(t, "old", string(data))
}

// TestWriteThroughInsideSymlink checks that a symlink inside the workspace
// is written through, not replaced.
func TestWriteThroughInsideSymlink(t *testing.T) {
	ws := newTestWorkspace(t, map[string]string{"real.txt": "old"})
	require.NoError(t, os.Symlink("real.txt", filepath.Join(ws.Root(), "link.txt")))
	got, err := run(t, ws, "write_to_file", map[string]any{"path": "link.txt", "content": "new"})
	require.NoError(t, err)
	assert.Equal(t, "Wrote real.txt (1 line).", got)
	fi, err := os.Lstat(filepath.Join(ws.Root(), "link.txt"))
	require.NoError(t, err)
	assert.NotZero(t, fi.Mode()&os.ModeSymlink)
	data, err := os.ReadFile(filepath.Join(ws.Root(), "real.txt"))
	require.NoError(t, err)
	assert.Equal(t, "new", string(data))
}
