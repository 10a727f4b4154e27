package tools

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// newTestWorkspace writes files (path -> content, a path ending in "/" is
// a directory) under a new temporary root and returns its workspace.
func newTestWorkspace(t testing.TB, files map[string]string) *Workspace {
	t.Helper()
	root := t.TempDir()
	writeTree(t, root, files)
	ws, err := NewWorkspace(root)
	require.NoError(t, err)
	return ws
}

func writeTree(t testing.TB, root string, files map[string]string) {
	t.Helper()
	for p, content := range files {
		abs := filepath.Join(root, filepath.FromSlash(p))
		if p[len(p)-1] == '/' {
			require.NoError(t, os.MkdirAll(abs, 0o755))
			continue
		}
		require.NoError(t, os.MkdirAll(filepath.Dir(abs), 0o755))
		require.NoError(t, os.WriteFile(abs, []byte(content), 0o644))
	}
}

// run calls the tool named name with input (any value, marshalled to JSON).
func run(t testing.TB, ws *Workspace, name string, input any) (string, error) {
	t.Helper()
	tool, ok := ByName(name)
	require.True(t, ok, "no tool %q", name)
	raw, err := json.Marshal(input)
	require.NoError(t, err)
	return tool.Run(context.Background(), ws, raw)
}

func mustCompile(t testing.TB, re string) *regexp.Regexp {
	t.Helper()
	r, err := regexp.Compile(re)
	require.NoError(t, err)
	return r
}
