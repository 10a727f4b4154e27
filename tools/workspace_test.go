package tools

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewWorkspace(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	link := filepath.Join(dir, "link")
	require.NoError(t, os.Symlink(dir, link))

	_, err := NewWorkspace(file)
	assert.ErrorContains(t, err, "not a directory")
	_, err = NewWorkspace(filepath.Join(dir, "missing"))
	assert.Error(t, err)

	ws, err := NewWorkspace(link)
	require.NoError(t, err)
	real, err := filepath.EvalSymlinks(dir)
	require.NoError(t, err)
	assert.Equal(t, real, ws.Root())
}

func TestResolve(t *testing.T) {
	outside := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(outside, "secret"), []byte("s"), 0o644))
	ws := newTestWorkspace(t, map[string]string{
		"a.txt":       "a",
		"dir/b.txt":   "b",
		"dir/sub/":    "",
		".gitignore":  "ignored.txt\n",
		"ignored.txt": "i",
	})
	root := ws.Root()
	mustLink := func(target, name string) {
		require.NoError(t, os.Symlink(target, filepath.Join(root, name)))
	}
	mustLink(outside, "out")                          // directory link out
	mustLink(filepath.Join(outside, "secret"), "sec") // file link out
	mustLink("dir", "in")                             // relative link inside
	mustLink(filepath.Join(outside, "nothing"), "dangling")
	mustLink("../../", "dir/up")
	mustLink("loop2", "loop1")
	mustLink("loop1", "loop2")

	tests := []struct {
		path    string
		want    string // relative to root; "" when refused
		errPart string
	}{
		{path: "a.txt", want: "a.txt"},
		{path: ".", want: "."},
		{path: "./dir/../a.txt", want: "a.txt"},
		{path: "dir/b.txt", want: "dir/b.txt"},
		{path: filepath.Join(root, "dir", "b.txt"), want: "dir/b.txt"},
		{path: "new/deeper/file.txt", want: "new/deeper/file.txt"},
		{path: "in/b.txt", want: "dir/b.txt"},
		{path: "in/new.txt", want: "dir/new.txt"},
		{path: "ignored.txt", want: "ignored.txt"},
		{path: "", errPart: "empty"},
		{path: "..", errPart: "outside the workspace"},
		{path: "../x", errPart: "outside the workspace"},
		{path: "dir/../../x", errPart: "outside the workspace"},
		{path: "/etc/passwd", errPart: "outside the workspace"},
		{path: outside, errPart: "outside the workspace"},
		{path: "out", errPart: "symbolic link"},
		{path: "out/secret", errPart: "symbolic link"},
		{path: "out/new.txt", errPart: "symbolic link"},
		{path: "out/newdir/new.txt", errPart: "symbolic link"},
		{path: "sec", errPart: "symbolic link"},
		{path: "dangling", errPart: "symbolic link"},
		{path: "dir/up/x", errPart: "symbolic link"},
		{path: "loop1", errPart: "too many levels"},
		{path: "a.txt/x", errPart: "not a directory"},
		{path: "a\x00b", errPart: "NUL"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, err := ws.Resolve(tt.path)
			if tt.errPart != "" {
				require.Error(t, err)
				assert.ErrorContains(t, err, tt.errPart)
				assert.Empty(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, filepath.Join(root, filepath.FromSlash(tt.want)), got)
			assert.Equal(t, tt.want, ws.rel(got))
		})
	}
}

// TestResolveGivenRoot checks that an absolute path spelled through a
// symlinked root is inside.
func TestResolveGivenRoot(t *testing.T) {
	real := t.TempDir()
	link := filepath.Join(t.TempDir(), "ws")
	require.NoError(t, os.Symlink(real, link))
	ws, err := NewWorkspace(link)
	require.NoError(t, err)
	got, err := ws.Resolve(filepath.Join(link, "x.go"))
	require.NoError(t, err)
	realRoot, err := filepath.EvalSymlinks(real)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(realRoot, "x.go"), got)
}
