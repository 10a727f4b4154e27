package tools

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"unicode/utf8"
)

// Limits of read_file.
const (
	readMaxLines     = 2000
	readMaxLineChars = 2000
	readMaxBytes     = 10 << 20
	binarySniffBytes = 8 << 10
)

//go:embed read_file.md
var readFileDescription string

type readFileInput struct {
	Path      string `json:"path"`
	StartLine *int   `json:"start_line"`
	EndLine   *int   `json:"end_line"`
}

func readFileTool() Tool {
	return Tool{
		Name:        "read_file",
		Description: readFileDescription,
		Group:       GroupRead,
		ReadOnly:    true,
		Schema: json.RawMessage(`{"type":"object","properties":{
"path":{"type":"string","description":"Path of the file, relative to the workspace root."},
"start_line":{"type":"integer","minimum":1,"description":"First line to show (1-based, default 1)."},
"end_line":{"type":"integer","minimum":1,"description":"Last line to show, inclusive (default: start_line + 1999 or the end of the file)."}},
"required":["path"],"additionalProperties":false}`),
		Run: runReadFile,
	}
}

func runReadFile(ctx context.Context, ws *Workspace, input json.RawMessage) (string, error) {
	var in readFileInput
	if err := decodeInput(input, &in, "path"); err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	start, end := 1, 0
	if in.StartLine != nil {
		if *in.StartLine < 1 {
			return "", fmt.Errorf("start_line must be 1 or more, not %d", *in.StartLine)
		}
		start = *in.StartLine
	}
	if in.EndLine != nil {
		if *in.EndLine < start {
			return "", fmt.Errorf("end_line (%d) must not be before start_line (%d)", *in.EndLine, start)
		}
		end = *in.EndLine
	}
	abs, err := ws.Resolve(in.Path)
	if err != nil {
		return "", err
	}
	data, err := readTextFile(abs, in.Path)
	if err != nil {
		return "", err
	}
	return formatLines(data, in.Path, start, end)
}

// readTextFile reads a whole file for read_file, refusing directories,
// binary files and files over readMaxBytes with a message for the model.
func readTextFile(abs, name string) ([]byte, error) {
	// O_NONBLOCK: opening a FIFO must not wait for a writer; it is
	// refused below as not a regular file.
	f, err := os.OpenFile(abs, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("file %q does not exist; use list_files or search_files to find the right path", name)
		}
		return nil, fmt.Errorf("cannot open %q: %v", name, unwrapPathError(err))
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("cannot read %q: %v", name, unwrapPathError(err))
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("%q is a directory; use list_files to see its contents", name)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%q is not a regular file", name)
	}
	if fi.Size() > readMaxBytes {
		return nil, fmt.Errorf("file %q is %s, over read_file's limit of %s; use search_files to find the part you need", name, byteSize(fi.Size()), byteSize(readMaxBytes))
	}
	// Read one byte past the limit: the file may have grown since Stat.
	data, err := io.ReadAll(io.LimitReader(f, readMaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read %q: %v", name, unwrapPathError(err))
	}
	if len(data) > readMaxBytes {
		return nil, fmt.Errorf("file %q is over read_file's limit of %s; use search_files to find the part you need", name, byteSize(readMaxBytes))
	}
	if isBinary(data) {
		return nil, fmt.Errorf("file %q looks binary (it has a NUL byte in its first 8 KiB); read_file shows text files only", name)
	}
	return data, nil
}

// isBinary reports whether data has a NUL byte in its first 8 KiB, the
// test git and ripgrep use.
func isBinary(data []byte) bool {
	return bytes.IndexByte(data[:min(len(data), binarySniffBytes)], 0) >= 0
}

// formatLines numbers the lines start..end of data (end 0: to the end),
// within the limits of read_file, and adds a note on how to read on.
func formatLines(data []byte, name string, start, end int) (string, error) {
	if len(data) == 0 {
		return fmt.Sprintf("(%s is empty)", name), nil
	}
	total := bytes.Count(data, []byte{'\n'})
	if data[len(data)-1] != '\n' {
		total++
	}
	if start > total {
		return "", fmt.Errorf("start_line %d is past the end of %q, which has %d lines", start, name, total)
	}
	last := total
	if end > 0 && end < last {
		last = end
	}
	capped := false
	if last-start+1 > readMaxLines {
		last = start + readMaxLines - 1
		capped = true
	}
	var b strings.Builder
	truncatedLines := 0
	n := 0
	for len(data) > 0 && n < last {
		n++
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		if n < start {
			continue
		}
		line = bytes.TrimSuffix(line, []byte{'\r'})
		text, cut := clipLine(line, readMaxLineChars)
		if cut > 0 {
			truncatedLines++
		}
		fmt.Fprintf(&b, "%d | %s", n, text)
		if cut > 0 {
			fmt.Fprintf(&b, " … [%d more characters]", cut)
		}
		b.WriteByte('\n')
	}
	if capped {
		fmt.Fprintf(&b, "\n[Showing lines %d-%d of %d, the most read_file shows at once. To read on, call read_file with start_line %d.]\n", start, last, total, last+1)
	} else if end == 0 && start > 1 || end > 0 && last < total {
		fmt.Fprintf(&b, "\n[Showing lines %d-%d of %d.]\n", start, last, total)
	}
	if truncatedLines > 0 {
		fmt.Fprintf(&b, "[%d long lines were cut at %d characters; use search_files to see matches within them.]\n", truncatedLines, readMaxLineChars)
	}
	return b.String(), nil
}

// clipLine returns line as valid UTF-8 (invalid bytes become U+FFFD), cut to
// at most max characters, and how many characters were cut.
func clipLine(line []byte, max int) (string, int) {
	s := string(line)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if len(s) <= max { // bytes >= runes
		return s, 0
	}
	n := utf8.RuneCountInString(s)
	if n <= max {
		return s, 0
	}
	i, k := 0, 0
	for i = range s {
		if k == max {
			break
		}
		k++
	}
	return s[:i], n - max
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
