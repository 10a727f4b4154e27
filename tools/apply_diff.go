package tools

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strings"
)

//go:embed apply_diff.md
var applyDiffDescription string

type applyDiffInput struct {
	Path string `json:"path"`
	Diff string `json:"diff"`
}

func applyDiffTool() Tool {
	return Tool{
		Name:        "apply_diff",
		Description: applyDiffDescription,
		Group:       GroupEdit,
		Schema: json.RawMessage(`{"type":"object","properties":{
"path":{"type":"string","description":"Path of the file to change, relative to the workspace root."},
"diff":{"type":"string","description":"One or more SEARCH/REPLACE blocks."}},
"required":["path","diff"],"additionalProperties":false}`),
		Run: runApplyDiff,
	}
}

func runApplyDiff(ctx context.Context, ws *Workspace, input json.RawMessage) (string, error) {
	var in applyDiffInput
	if err := decodeInput(input, &in, "path", "diff"); err != nil {
		return "", err
	}
	if len(in.Diff) > writeMaxBytes {
		return "", fmt.Errorf("diff is %s, over apply_diff's limit of %s", byteSize(int64(len(in.Diff))), byteSize(writeMaxBytes))
	}
	blocks, err := parseDiff(in.Diff)
	if err != nil {
		return "", fmt.Errorf("the diff is malformed: %v", err)
	}
	abs, err := ws.Resolve(in.Path)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(abs); errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("file %q does not exist; use write_to_file to create a file", in.Path)
	}
	data, err := readTextFile(abs, in.Path)
	if err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	doc := splitDoc(string(data))
	var notes []string
	for i, b := range blocks {
		note, err := doc.apply(b)
		if err != nil {
			return "", fmt.Errorf("block %d of %d: %v\n(no change was made to %s)", i+1, len(blocks), err, in.Path)
		}
		if note != "" {
			notes = append(notes, fmt.Sprintf("block %d %s", i+1, note))
		}
	}
	out := doc.String()
	if len(out) > writeMaxBytes {
		return "", fmt.Errorf("the result would be %s, over the limit of %s; no change was made", byteSize(int64(len(out))), byteSize(writeMaxBytes))
	}
	if _, err := writeFileAtomic(abs, in.Path, []byte(out), false); err != nil {
		return "", err
	}
	msg := fmt.Sprintf("Applied %d %s to %s; it now has %d lines.", len(blocks), plural(len(blocks), "block", "blocks"), ws.rel(abs), len(doc.lines))
	if len(notes) > 0 {
		msg += " Note: " + strings.Join(notes, "; ") + "."
	}
	return msg, nil
}

// doc is a file as lines, keeping its line ending and final newline.
type doc struct {
	lines     []string
	eol       string
	finalEOL  bool
	lineShift int // lines added minus lines removed by the blocks so far
}

func splitDoc(s string) *doc {
	d := &doc{eol: "\n"}
	if strings.Contains(s, "\r\n") {
		d.eol = "\r\n"
	}
	if s == "" {
		return d
	}
	d.finalEOL = strings.HasSuffix(s, "\n")
	s = strings.TrimSuffix(s, "\n")
	d.lines = strings.Split(s, "\n")
	if d.eol == "\r\n" {
		for i, l := range d.lines {
			d.lines[i] = strings.TrimSuffix(l, "\r")
		}
	}
	return d
}

func (d *doc) String() string {
	if len(d.lines) == 0 {
		return ""
	}
	s := strings.Join(d.lines, d.eol)
	if d.finalEOL {
		s += d.eol
	}
	return s
}

// apply finds the one place b.search matches and replaces it. It returns a
// note when the match needed whitespace tolerance.
func (d *doc) apply(b diffBlock) (string, error) {
	search, replace := stripLineNumbers(b.search, b.replace)
	if len(search) == 0 || allBlank(search) {
		return "", errors.New("the SEARCH part is empty; copy the existing lines to replace into it (to create or rewrite a whole file, use write_to_file)")
	}
	hint := 0
	if b.startLine > 0 {
		hint = b.startLine + d.lineShift
	}
	note := ""
	at, err := find(d.lines, search, hint)
	if errors.Is(err, errNoMatch) {
		at, err = find(normalizeLines(d.lines), normalizeLines(search), hint)
		if err == nil {
			note = fmt.Sprintf("matched at line %d only when ignoring whitespace", at+1)
			replace = reindent(replace, search, d.lines[at:at+len(search)])
		}
	}
	if errors.Is(err, errNoMatch) {
		return "", d.noMatchError(search)
	}
	if err != nil {
		return "", err
	}
	out := make([]string, 0, len(d.lines)-len(search)+len(replace))
	out = append(out, d.lines[:at]...)
	out = append(out, replace...)
	out = append(out, d.lines[at+len(search):]...)
	d.lines = out
	d.lineShift += len(replace) - len(search)
	return note, nil
}

var errNoMatch = errors.New("no match")

// find returns the index of the one line of lines where search starts. With
// several matches, the hint (a 1-based line, 0 for none) picks the closest
// one; without a hint, or when two are equally close, it is an error.
func find(lines, search []string, hint int) (int, error) {
	var found []int
	for i := 0; i+len(search) <= len(lines); i++ {
		if slices.Equal(lines[i:i+len(search)], search) {
			found = append(found, i)
		}
	}
	switch {
	case len(found) == 0:
		return 0, errNoMatch
	case len(found) == 1:
		return found[0], nil
	}
	if hint > 0 {
		best, tie := -1, false
		for _, i := range found {
			dist := absInt(i + 1 - hint)
			switch {
			case best < 0 || dist < absInt(best+1-hint):
				best, tie = i, false
			case dist == absInt(best+1-hint):
				tie = true
			}
		}
		if !tie {
			return best, nil
		}
	}
	at := make([]string, 0, min(len(found), 10))
	for _, i := range found[:min(len(found), 10)] {
		at = append(at, fmt.Sprint(i+1))
	}
	more := ""
	if len(found) > 10 {
		more = fmt.Sprintf(" and %d more", len(found)-10)
	}
	return 0, fmt.Errorf("the SEARCH text matches %d places, at lines %s%s; add :start_line: with the line of the one to change, or include more surrounding lines so that it matches once", len(found), strings.Join(at, ", "), more)
}

// normalizeLines maps lines to their normalizeSpace form, for matching
// that ignores the amount and kind of whitespace.
func normalizeLines(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = normalizeSpace(l)
	}
	return out
}

func normalizeSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// noMatchError describes a SEARCH text found nowhere, showing the window of
// the file that shares the most lines with it (ignoring whitespace).
func (d *doc) noMatchError(search []string) error {
	want := make(map[string]bool, len(search))
	for _, s := range search {
		if n := normalizeSpace(s); n != "" {
			want[n] = true
		}
	}
	same := make([]bool, len(d.lines))
	for i, l := range d.lines {
		same[i] = want[normalizeSpace(l)]
	}
	// Slide a window of len(search) lines, counting lines it shares.
	k := min(len(search), len(d.lines))
	best, bestScore, score := 0, 0, 0
	for i := range d.lines {
		if same[i] {
			score++
		}
		if i >= k && same[i-k] {
			score--
		}
		if i >= k-1 && score > bestScore {
			best, bestScore = i-k+1, score
		}
	}
	var b strings.Builder
	b.WriteString("the SEARCH text was not found, not even when ignoring whitespace.")
	if bestScore == 0 {
		b.WriteString(" No line of it occurs in the file; read the file again and copy the lines to change exactly.")
		return errors.New(b.String())
	}
	fmt.Fprintf(&b, " The closest lines are %d-%d (%d of %d lines alike):\n", best+1, best+k, bestScore, len(search))
	for i := best; i < best+k; i++ {
		text, cut := clipLine([]byte(d.lines[i]), searchMaxLineChars)
		if cut > 0 {
			text += " …"
		}
		fmt.Fprintf(&b, "%d | %s\n", i+1, text)
	}
	b.WriteString("Copy the lines to change exactly from the file (read it again if it may have changed).")
	return errors.New(b.String())
}

// reindent moves replacement lines from the indentation of the SEARCH text
// to that of the file, when a whitespace-tolerant match found the file
// indented differently (say tabs where the model wrote spaces). Each SEARCH
// line and the file line it matched give a pair of indentations; a
// replacement line whose indentation starts with a SEARCH one gets the
// file's instead (the longest such prefix wins).
func reindent(replace, search, matched []string) []string {
	pairs := map[string]string{}
	for j, s := range search {
		if strings.TrimSpace(s) == "" {
			continue
		}
		from, to := leadingSpace(s), leadingSpace(matched[j])
		if _, ok := pairs[from]; !ok {
			pairs[from] = to
		}
	}
	out := make([]string, len(replace))
	for i, l := range replace {
		out[i] = l
		if strings.TrimSpace(l) == "" {
			continue
		}
		ind := leadingSpace(l)
		best := -1
		for from := range pairs {
			if strings.HasPrefix(ind, from) && len(from) > best {
				best = len(from)
				out[i] = pairs[from] + l[len(from):]
			}
		}
	}
	return out
}

func leadingSpace(s string) string {
	return s[:len(s)-len(strings.TrimLeft(s, " \t"))]
}

// lineNumberPrefix is the "12 | " that read_file puts before each line.
var lineNumberPrefix = regexp.MustCompile(`^\d+ \| `)

// stripLineNumbers removes read_file's line numbers, which models tend to
// copy, when every SEARCH line has one; REPLACE lines lose theirs too.
func stripLineNumbers(search, replace []string) ([]string, []string) {
	if len(search) == 0 {
		return search, replace
	}
	for _, l := range search {
		if !lineNumberPrefix.MatchString(l) {
			return search, replace
		}
	}
	strip := func(lines []string) []string {
		out := make([]string, len(lines))
		for i, l := range lines {
			out[i] = lineNumberPrefix.ReplaceAllString(l, "")
		}
		return out
	}
	return strip(search), strip(replace)
}

func allBlank(lines []string) bool {
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			return false
		}
	}
	return true
}

func absInt(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
