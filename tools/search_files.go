package tools

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

//go:embed search_files.md
var searchFilesDescription string

type searchFilesInput struct {
	Path        string `json:"path"`
	Regex       string `json:"regex"`
	FilePattern string `json:"file_pattern"`
}

func searchFilesTool() Tool {
	return Tool{
		Name:        "search_files",
		Description: searchFilesDescription,
		Group:       GroupRead,
		ReadOnly:    true,
		Schema: json.RawMessage(`{"type":"object","properties":{
"path":{"type":"string","description":"Directory (or file) to search, relative to the workspace root (\".\" for the whole workspace)."},
"regex":{"type":"string","description":"Regular expression (RE2 syntax) to find."},
"file_pattern":{"type":"string","description":"Glob of the files to search, such as \"*.go\" (default: all files)."}},
"required":["path","regex"],"additionalProperties":false}`),
		Run: runSearchFiles,
	}
}

// searchQuery is a validated search_files call.
type searchQuery struct {
	re    *regexp.Regexp
	abs   string // file or directory to search
	rel   string // abs relative to the root, "." for the root
	isDir bool
	glob  string // "" for all files; without a leading "/"
	base  bool   // glob has no "/": match it against file names
}

// matchFile reports whether the file rel (relative to the root) is one that
// file_pattern selects.
func (q *searchQuery) matchFile(rel string) bool {
	if q.glob == "" {
		return true
	}
	if q.base {
		rel = path.Base(rel)
	}
	ok, _ := doublestar.Match(q.glob, rel)
	return ok
}

func runSearchFiles(ctx context.Context, ws *Workspace, input json.RawMessage) (string, error) {
	var in searchFilesInput
	if err := decodeInput(input, &in, "path", "regex"); err != nil {
		return "", err
	}
	q, err := newSearchQuery(ws, in)
	if err != nil {
		return "", err
	}
	res := &searchResults{}
	if ws.rg != "" && q.isDir && (q.glob == "" || q.base && !strings.Contains(q.glob, ":")) {
		err = searchRG(ctx, ws, q, res)
	} else {
		err = searchGo(ctx, ws, q, res)
	}
	if err != nil {
		return "", err
	}
	where := "the workspace"
	if q.rel != "." {
		where = q.rel
	}
	return res.format(in.Regex, where), nil
}

func newSearchQuery(ws *Workspace, in searchFilesInput) (*searchQuery, error) {
	if in.Regex == "" {
		return nil, errors.New("regex is empty; give a regular expression to search for")
	}
	re, err := regexp.Compile(in.Regex)
	if err != nil {
		return nil, fmt.Errorf("regex %q is not valid RE2 syntax: %v", in.Regex, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
	}
	abs, err := ws.Resolve(in.Path)
	if err != nil {
		return nil, err
	}
	fi, err := statInput(abs, in.Path, "search")
	if err != nil {
		return nil, err
	}
	q := &searchQuery{re: re, abs: abs, rel: ws.rel(abs), isDir: fi.IsDir()}
	if g := strings.TrimPrefix(in.FilePattern, "/"); g != "" {
		if !doublestar.ValidatePattern(g) {
			return nil, fmt.Errorf("file_pattern %q is not a valid glob; use a glob such as \"*.go\" or \"src/**/*.{ts,tsx}\"", in.FilePattern)
		}
		q.glob, q.base = g, !strings.Contains(g, "/")
	}
	return q, nil
}
