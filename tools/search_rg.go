package tools

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// rgArgs makes ripgrep apply the rules of the pure-Go searcher: hidden
// files searched, .gitignore honoured outside git repositories too, no
// global or .git/info/exclude rules, .git skipped, no transcoding, the
// same size limit.
func rgArgs(q *searchQuery) []string {
	args := []string{
		"--json", "--context=1", "--no-config", "--hidden", "--no-require-git",
		"--no-ignore-global", "--no-ignore-exclude", "--no-messages",
		"--encoding=none", fmt.Sprintf("--max-filesize=%d", searchMaxFileBytes),
		"--glob=!.git",
	}
	if q.glob != "" {
		// A file type, unlike --glob, does not override the ignore rules.
		// Types match file names only, so a glob with a "/" is left to the
		// pure-Go searcher (see runSearchFiles).
		args = append(args, "--type-add=agentls:"+q.glob, "--type=agentls")
	}
	return append(args, "--regexp="+q.re.String(), "--", q.rel)
}

// searchRG is the ripgrep backend of search_files. ripgrep runs in the
// workspace root so that the paths it prints, and globs with a "/", are
// relative to the root; its JSON events feed the same results as the
// pure-Go searcher.
func searchRG(ctx context.Context, ws *Workspace, q *searchQuery, res *searchResults) error {
	cmd := exec.CommandContext(ctx, ws.rg, rgArgs(q)...)
	cmd.Dir = ws.root
	cmd.SysProcAttr = childProcAttr()
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &limitedWriter{w: &stderr, n: 4096}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("cannot run ripgrep: %v", err)
	}
	perr := parseRG(out, res)
	if perr != nil {
		io.Copy(io.Discard, out) // let ripgrep finish rather than block on a full pipe
	}
	werr := cmd.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	if perr != nil {
		return fmt.Errorf("cannot read ripgrep's output: %v", perr)
	}
	var ee *exec.ExitError
	if errors.As(werr, &ee) && ee.ExitCode() == 1 {
		return nil // no match
	}
	if werr != nil && res.files == 0 {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return fmt.Errorf("search failed: %s", msg)
		}
		// Exit status 2 with matches means some files could not be read.
		if !errors.As(werr, &ee) {
			return fmt.Errorf("search failed: %v", werr)
		}
	}
	return nil
}

type rgEvent struct {
	Type string `json:"type"`
	Data struct {
		Path         rgData `json:"path"`
		Lines        rgData `json:"lines"`
		LineNumber   int    `json:"line_number"`
		BinaryOffset *int64 `json:"binary_offset"`
	} `json:"data"`
}

// rgData is ripgrep's arbitrary data: text when it is valid UTF-8, else
// base64 bytes.
type rgData struct {
	Text  *string `json:"text"`
	Bytes string  `json:"bytes"`
}

func (d rgData) bytes() []byte {
	if d.Text != nil {
		return []byte(*d.Text)
	}
	b, _ := base64.StdEncoding.DecodeString(d.Bytes)
	return b
}

// parseRG reads ripgrep's JSON lines into res: begin, context and match
// events build a file, its end event adds it. A file ripgrep found to be
// binary is dropped, as the pure-Go searcher skips any file with a NUL.
func parseRG(r io.Reader, res *searchResults) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var f *fileResult
	for {
		line, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			var ev rgEvent
			if jerr := json.Unmarshal(line, &ev); jerr != nil {
				return jerr
			}
			switch ev.Type {
			case "begin":
				f = &fileResult{path: strings.TrimPrefix(string(ev.Data.Path.bytes()), "./")}
			case "match", "context":
				if f != nil {
					f.addLine(ev.Data.LineNumber, ev.Data.Lines.bytes(), ev.Type == "match")
				}
			case "end":
				if f != nil && ev.Data.BinaryOffset == nil {
					res.add(f)
				}
				f = nil
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// limitedWriter keeps the first n bytes written to it and drops the rest.
type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		l.w.Write(p[:k])
		l.n -= k
	}
	return len(p), nil
}
