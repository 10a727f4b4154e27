package tools

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// writeMaxBytes bounds what write_to_file and apply_diff write.
const writeMaxBytes = 10 << 20

//go:embed write_to_file.md
var writeToFileDescription string

type writeToFileInput struct {
	Path    string `json:"path"`
	Content string `json:"content"`
}

func writeToFileTool() Tool {
	return Tool{
		Name:        "write_to_file",
		Description: writeToFileDescription,
		Group:       GroupEdit,
		Schema: json.RawMessage(`{"type":"object","properties":{
"path":{"type":"string","description":"Path of the file, relative to the workspace root."},
"content":{"type":"string","description":"The complete new content of the file."}},
"required":["path","content"],"additionalProperties":false}`),
		Run: runWriteToFile,
	}
}

func runWriteToFile(ctx context.Context, ws *Workspace, input json.RawMessage) (string, error) {
	var in writeToFileInput
	if err := decodeInput(input, &in, "path", "content"); err != nil {
		return "", err
	}
	if len(in.Content) > writeMaxBytes {
		return "", fmt.Errorf("content is %s, over write_to_file's limit of %s", byteSize(int64(len(in.Content))), byteSize(writeMaxBytes))
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	abs, err := ws.Resolve(in.Path)
	if err != nil {
		return "", err
	}
	created, err := writeFileAtomic(abs, in.Path, []byte(in.Content), true)
	if err != nil {
		return "", err
	}
	verb := "Wrote"
	if created {
		verb = "Created"
	}
	n := countLines(in.Content)
	return fmt.Sprintf("%s %s (%d %s).", verb, ws.rel(abs), n, plural(n, "line", "lines")), nil
}

// countLines counts lines as an editor shows them: a last line without a
// newline counts, an empty file has none.
func countLines(s string) int {
	n := strings.Count(s, "\n")
	if s != "" && !strings.HasSuffix(s, "\n") {
		n++
	}
	return n
}

// writeFileAtomic writes data to abs through a temporary file in the same
// directory and a rename, so that a reader never sees half a file and a
// failure leaves the old file intact. An existing file keeps its mode; a new
// one gets 0644. With mkdir, missing parent directories are created. It
// reports whether the file is new. name is the path as the model gave it.
func writeFileAtomic(abs, name string, data []byte, mkdir bool) (created bool, err error) {
	mode := fs.FileMode(0o644)
	fi, err := os.Stat(abs)
	switch {
	case err == nil && fi.IsDir():
		return false, fmt.Errorf("%q is a directory; give the path of a file", name)
	case err == nil && !fi.Mode().IsRegular():
		return false, fmt.Errorf("%q is not a regular file", name)
	case err == nil:
		mode = fi.Mode().Perm()
	case errors.Is(err, fs.ErrNotExist):
		created = true
	default:
		return false, fmt.Errorf("cannot write %q: %v", name, unwrapPathError(err))
	}
	dir := filepath.Dir(abs)
	if mkdir {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return false, fmt.Errorf("cannot create the directories of %q: %v", name, unwrapPathError(err))
		}
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(abs)+".*.tmp")
	if err != nil {
		return false, fmt.Errorf("cannot write %q: %v", name, unwrapPathError(err))
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return false, fmt.Errorf("cannot write %q: %v", name, unwrapPathError(err))
	}
	if err = tmp.Chmod(mode); err != nil {
		return false, fmt.Errorf("cannot write %q: %v", name, unwrapPathError(err))
	}
	if err = tmp.Sync(); err != nil {
		return false, fmt.Errorf("cannot write %q: %v", name, unwrapPathError(err))
	}
	if err = tmp.Close(); err != nil {
		return false, fmt.Errorf("cannot write %q: %v", name, unwrapPathError(err))
	}
	if err = os.Rename(tmp.Name(), abs); err != nil {
		return false, fmt.Errorf("cannot write %q: %v", name, unwrapPathError(err))
	}
	return created, nil
}
