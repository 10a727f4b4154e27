package tools

import (
	"bytes"
	"context"
	"regexp"
	"regexp/syntax"
	"runtime"
	"slices"
	"sync"
	"syscall"
)

// lineMatcher finds the lines of a file that a regex matches, each line on
// its own as ripgrep does (so "^" and "$" are line anchors and no match
// spans lines). To be fast it scans the whole file at once: for a literal
// that every match must contain with bytes.Index, else with a multi-line
// version of the regex; each candidate line is then checked on its own.
type lineMatcher struct {
	line *regexp.Regexp // the regex, matched against one line
	buf  *regexp.Regexp // (?m) + the regex, to scan a whole file
	lit  []byte         // a literal every match contains, or nil
}

func newLineMatcher(re *regexp.Regexp) *lineMatcher {
	m := &lineMatcher{line: re}
	if r, err := syntax.Parse(re.String(), syntax.Perl); err == nil {
		if lit := requiredLiteral(r.Simplify()); len(lit) >= 2 {
			m.lit = []byte(lit)
		}
	}
	if m.lit == nil {
		m.buf = regexp.MustCompile("(?m:" + re.String() + ")")
	}
	return m
}

// requiredLiteral returns a case-sensitive literal that every match of re
// contains, or "" when it cannot tell.
func requiredLiteral(re *syntax.Regexp) string {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return ""
		}
		return string(re.Rune)
	case syntax.OpCapture, syntax.OpPlus:
		return requiredLiteral(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return requiredLiteral(re.Sub[0])
		}
	case syntax.OpConcat:
		best := ""
		for _, s := range re.Sub {
			if l := requiredLiteral(s); len(l) > len(best) {
				best = l
			}
		}
		return best
	}
	return ""
}

// search calls found for each matching line of data, with its 1-based
// number and its bounds (the newline excluded), in order. It stops early
// when found returns false.
func (m *lineMatcher) search(data []byte, found func(n, start, end int) bool) {
	if len(data) == 0 {
		return
	}
	pos, n, counted := 0, 1, 0
	for pos <= len(data) {
		var at int
		if m.lit != nil {
			i := bytes.Index(data[pos:], m.lit)
			if i < 0 {
				return
			}
			at = pos + i
		} else {
			loc := m.buf.FindIndex(data[pos:])
			if loc == nil {
				return
			}
			at = pos + loc[0]
		}
		start := bytes.LastIndexByte(data[:at], '\n') + 1
		end := len(data)
		if i := bytes.IndexByte(data[at:], '\n'); i >= 0 {
			end = at + i
		}
		if start == len(data) && start > 0 {
			return // the empty "line" after a final newline is no line
		}
		n += bytes.Count(data[counted:start], []byte{'\n'})
		counted = start
		if m.line.Match(data[start:end]) && !found(n, start, end) {
			return
		}
		pos = end + 1
	}
}

// searchGo is the pure-Go backend of search_files: one goroutine walks the
// tree with the ignore rules and workers search the files it finds.
func searchGo(ctx context.Context, ws *Workspace, q *searchQuery, res *searchResults) error {
	m := newLineMatcher(q.re)
	files := make(chan walkEntry, 256)
	var wg sync.WaitGroup
	// Twice as many workers as CPUs keep them busy while others wait on
	// the disk.
	for range 2 * max(2, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte
			for e := range files {
				if ctx.Err() != nil {
					continue // drain
				}
				buf = searchFile(e, m, buf, res)
			}
		}()
	}
	err := walkFiles(ctx, ws, q, func(e walkEntry) bool {
		select {
		case files <- e:
			return true
		case <-ctx.Done():
			return false
		}
	})
	close(files)
	wg.Wait()
	if err == nil {
		err = ctx.Err()
	}
	return err
}

// walkFiles calls visit for each regular file below q.abs that is not
// ignored and matches q.glob, depth first. Symbolic links are not
// followed, as in ripgrep. A file given as q.abs is visited as is.
func walkFiles(ctx context.Context, ws *Workspace, q *searchQuery, visit func(walkEntry) bool) error {
	if !q.isDir {
		visit(walkEntry{abs: q.abs, rel: q.rel})
		return nil
	}
	type dir struct {
		abs, rel string
		rules    *ignoreRules
	}
	rel := q.rel
	if rel == "." {
		rel = ""
	}
	stack := []dir{{q.abs, rel, ws.ancestorRules(rel)}}
	for len(stack) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		d := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		entries, rules, err := readDir(d.abs, d.rel, d.rules)
		if err != nil {
			continue
		}
		for _, e := range entries {
			switch {
			case e.isDir():
				stack = append(stack, dir{e.abs, e.rel, rules})
			case e.mode.IsRegular() && q.matchFile(e.rel):
				if !visit(e) {
					return ctx.Err()
				}
			}
		}
	}
	return nil
}

// searchFile searches one file into res, reading it into buf (grown as
// needed and returned for reuse). Binary files (a NUL byte anywhere) and
// files over searchMaxFileBytes are skipped.
func searchFile(e walkEntry, m *lineMatcher, buf []byte, res *searchResults) []byte {
	data, err := readFileInto(e.abs, buf[:0], searchMaxFileBytes)
	if err != nil {
		if err != errTooLarge && err != errNotRegular {
			res.failed()
		}
		return buf
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return data
	}
	fr := &fileResult{path: e.rel}
	m.search(data, func(n, start, end int) bool {
		if fr.kept < searchMaxMatches {
			if start > 0 {
				ps := bytes.LastIndexByte(data[:start-1], '\n') + 1
				fr.addLine(n-1, data[ps:start-1], false)
			}
			fr.addLine(n, data[start:end], true)
			if end+1 < len(data) {
				ne := bytes.IndexByte(data[end+1:], '\n')
				if ne < 0 {
					ne = len(data) - end - 1
				}
				fr.addLine(n+1, data[end+1:end+1+ne], false)
			}
		} else {
			fr.matches++
		}
		return true
	})
	res.add(fr)
	return data
}

var (
	errTooLarge   = errorString("file too large")
	errNotRegular = errorString("not a regular file")
)

type errorString string

func (e errorString) Error() string { return string(e) }

// readFileInto reads the file at path into buf, growing it, up to limit
// bytes; a longer file gives errTooLarge. It uses the system calls
// directly: os.Open's set-up for the poller (fcntl, epoll_ctl, a
// finalizer) cost more than the read itself for the small files that make
// up most trees. O_NONBLOCK and the fstat keep a FIFO from blocking the
// search (the walk only passes regular files, but a path given by name
// may be anything). O_NOFOLLOW refuses a file swapped for a symlink since the
// walk saw it.
func readFileInto(path string, buf []byte, limit int) ([]byte, error) {
	var fd int
	var err error
	for {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return buf, err
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return buf, err
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return buf, errNotRegular
	}
	if cap(buf) == 0 {
		buf = make([]byte, 0, 64<<10)
	}
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, cap(buf))
		}
		n, err := syscall.Read(fd, buf[len(buf):cap(buf)])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return buf, err
		}
		if n == 0 {
			return buf, nil
		}
		buf = buf[:len(buf)+n]
		if len(buf) > limit {
			return buf, errTooLarge
		}
	}
}
