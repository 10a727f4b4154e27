package tools

import (
	"container/heap"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Limits of search_files.
const (
	searchMaxMatches   = 300
	searchMaxLineChars = 500
	searchMaxFileBytes = 10 << 20 // larger files are skipped, by both backends
)

// searchLine is one line shown in a search result: a match or a line of
// context around one.
type searchLine struct {
	n     int
	text  string
	match bool
}

// fileResult holds the lines of one file to show, in line order, and how
// many lines of it matched in all.
type fileResult struct {
	path    string // relative to the root, slash-separated
	lines   []searchLine
	kept    int // matching lines in lines
	matches int // matching lines in the file
}

// addLine adds line n of the file, which the backends give in increasing
// order, each match with one line of context either side. A context line
// given again as a match becomes one. Past searchMaxMatches matches only
// the count grows, so a file with a million matches holds 300.
func (f *fileResult) addLine(n int, text []byte, match bool) {
	if match {
		f.matches++
	}
	last := len(f.lines) - 1
	if last >= 0 && f.lines[last].n >= n {
		if f.lines[last].n == n && match && !f.lines[last].match && f.kept < searchMaxMatches {
			f.lines[last].match = true
			f.kept++
		}
		return
	}
	if f.kept >= searchMaxMatches {
		// Only the line after the last kept match is still wanted.
		if match || last < 0 || !f.lines[last].match || f.lines[last].n != n-1 {
			return
		}
	}
	s, cut := clipLine(trimEOL(text), searchMaxLineChars)
	if cut > 0 {
		s += fmt.Sprintf(" … [%d more characters]", cut)
	}
	f.lines = append(f.lines, searchLine{n: n, text: s, match: match})
	if match {
		f.kept++
	}
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b
}

// searchResults gathers the files with matches from the workers of a
// backend. It keeps only the files that come first by path and together
// hold searchMaxMatches matches, so that memory stays bounded and the
// output does not depend on the order in which the files were searched.
type searchResults struct {
	mu      sync.Mutex
	kept    fileHeap
	keptN   int // matches held in kept
	files   int // files with matches, in all
	matches int // matches, in all
	errors  int // files that could not be read
}

func (r *searchResults) add(f *fileResult) {
	if f.matches == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.files++
	r.matches += f.matches
	heap.Push(&r.kept, f)
	r.keptN += f.kept
	for len(r.kept) > 1 && r.keptN-r.kept[0].kept >= searchMaxMatches {
		g := heap.Pop(&r.kept).(*fileResult)
		r.keptN -= g.kept
	}
}

func (r *searchResults) failed() {
	r.mu.Lock()
	r.errors++
	r.mu.Unlock()
}

// format renders the results grouped by file, sorted by path: each match
// with a line of context either side as "N | text", runs of lines
// separated by "----".
func (r *searchResults) format(regex, where string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.files == 0 {
		s := fmt.Sprintf("No matches for %q in %s.", regex, where)
		if r.errors > 0 {
			s += fmt.Sprintf(" (%d files could not be read.)", r.errors)
		}
		return s
	}
	files := slices.Clone([]*fileResult(r.kept))
	slices.SortFunc(files, func(a, b *fileResult) int { return strings.Compare(a.path, b.path) })
	var b strings.Builder
	shown := min(r.matches, searchMaxMatches)
	if shown < r.matches {
		fmt.Fprintf(&b, "Found %d matches in %d %s; showing the first %d, by path. Narrow the search with path, regex or file_pattern to see the others.\n", r.matches, r.files, plural(r.files, "file", "files"), shown)
	} else {
		fmt.Fprintf(&b, "Found %d %s in %d %s.\n", r.matches, plural(r.matches, "match", "matches"), r.files, plural(r.files, "file", "files"))
	}
	left := searchMaxMatches
	for _, f := range files {
		if left == 0 {
			break
		}
		fmt.Fprintf(&b, "\n# %s\n", f.path)
		prev := 0
		for i, l := range f.lines {
			if l.match {
				if left == 0 {
					break
				}
				left--
			} else if left == 0 && (i == 0 || !f.lines[i-1].match) {
				break
			}
			if prev != 0 && l.n != prev+1 {
				b.WriteString("----\n")
			}
			fmt.Fprintf(&b, "%d | %s\n", l.n, l.text)
			prev = l.n
		}
	}
	if r.errors > 0 {
		fmt.Fprintf(&b, "\n[%d files could not be read.]\n", r.errors)
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// fileHeap is a max-heap of files by path: its top is the file to drop
// first.
type fileHeap []*fileResult

func (h fileHeap) Len() int           { return len(h) }
func (h fileHeap) Less(i, j int) bool { return h[i].path > h[j].path }
func (h fileHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *fileHeap) Push(x any)        { *h = append(*h, x.(*fileResult)) }
func (h *fileHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return x
}
