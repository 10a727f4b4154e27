package tools

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
)

// Limits of list_files.
const (
	listMaxEntries = 200
	// listMaxCount bounds how far a recursive walk goes on counting the
	// entries it does not show.
	listMaxCount = 1_000_000
)

//go:embed list_files.md
var listFilesDescription string

type listFilesInput struct {
	Path      string `json:"path"`
	Recursive bool   `json:"recursive"`
}

func listFilesTool() Tool {
	return Tool{
		Name:        "list_files",
		Description: listFilesDescription,
		Group:       GroupRead,
		ReadOnly:    true,
		Schema: json.RawMessage(`{"type":"object","properties":{
"path":{"type":"string","description":"Directory to list, relative to the workspace root (\".\" for the root)."},
"recursive":{"type":"boolean","description":"List the whole tree below the directory (default false)."}},
"required":["path"],"additionalProperties":false}`),
		Run: runListFiles,
	}
}

func runListFiles(ctx context.Context, ws *Workspace, input json.RawMessage) (string, error) {
	var in listFilesInput
	if err := decodeInput(input, &in, "path"); err != nil {
		return "", err
	}
	abs, err := ws.Resolve(in.Path)
	if err != nil {
		return "", err
	}
	if err := checkDir(abs, in.Path); err != nil {
		return "", err
	}
	l, err := listFiles(ctx, ws, abs, in.Recursive, listMaxEntries)
	if err != nil {
		return "", err
	}
	return l.format(in.Path, in.Recursive), nil
}

// checkDir refuses a path that is not an existing directory.
func checkDir(abs, name string) error {
	fi, err := os.Stat(abs)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("directory %q does not exist; list its parent to find the right path", name)
	}
	if err != nil {
		return fmt.Errorf("cannot read %q: %v", name, unwrapPathError(err))
	}
	if !fi.IsDir() {
		return fmt.Errorf("%q is a file, not a directory; use read_file to read it", name)
	}
	return nil
}

// listing is the result of a walk for list_files.
type listing struct {
	shown   []string // root-relative, directories with a trailing "/"
	omitted int      // entries found but not shown
	partial bool     // the walk stopped counting at listMaxCount
	errs    int      // directories that could not be read
}

// listFiles lists the directory abs, breadth-first when recursive so that a
// listing cut at max entries shows the top of the tree. It keeps only max
// entries in memory and then only counts; the queue holds directories.
func listFiles(ctx context.Context, ws *Workspace, abs string, recursive bool, max int) (*listing, error) {
	rel := ws.rel(abs)
	if rel == "." {
		rel = ""
	}
	type dir struct {
		abs, rel string
		rules    *ignoreRules
	}
	l := &listing{}
	queue := []dir{{abs, rel, ws.ancestorRules(rel)}}
	seen := 0
	for len(queue) > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		d := queue[0]
		queue[0] = dir{}
		queue = queue[1:]
		entries, rules, err := readDir(d.abs, d.rel, d.rules)
		if err != nil {
			if d.abs == abs {
				return nil, fmt.Errorf("cannot list %q: %v", rel, unwrapPathError(err))
			}
			l.errs++
			continue
		}
		// Sorting each directory makes the choice of what is shown
		// deterministic when the listing is cut.
		slices.SortFunc(entries, func(a, b walkEntry) int { return strings.Compare(a.rel, b.rel) })
		for _, e := range entries {
			seen++
			if len(l.shown) < max {
				name := e.rel
				if e.isDir() {
					name += "/"
				}
				l.shown = append(l.shown, name)
			} else {
				l.omitted++
			}
			if recursive && e.isDir() {
				queue = append(queue, dir{e.abs, e.rel, rules})
			}
		}
		if seen >= listMaxCount {
			l.partial = true
			break
		}
	}
	slices.Sort(l.shown)
	return l, nil
}

func (l *listing) format(name string, recursive bool) string {
	if len(l.shown) == 0 {
		if l.errs > 0 {
			return fmt.Sprintf("(%q has no entries that could be read)", name)
		}
		return fmt.Sprintf("(%q is empty, or all of its entries are ignored)", name)
	}
	var b strings.Builder
	for _, s := range l.shown {
		b.WriteString(s)
		b.WriteByte('\n')
	}
	if l.omitted > 0 {
		more := fmt.Sprintf("%d more entries", l.omitted)
		if l.partial {
			more = fmt.Sprintf("more than %d more entries", l.omitted)
		}
		hint := "list a subdirectory, or use search_files with a file_pattern"
		if !recursive {
			hint = "use search_files with a file_pattern"
		}
		fmt.Fprintf(&b, "\n[Showing %d entries; %s not shown. To find the others, %s.]\n", len(l.shown), more, hint)
	}
	if l.errs > 0 {
		fmt.Fprintf(&b, "[%d directories could not be read.]\n", l.errs)
	}
	return b.String()
}
