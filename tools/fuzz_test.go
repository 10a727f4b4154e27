package tools

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// FuzzResolve checks that Resolve never panics and never returns a path
// outside the root, whatever the path and the symlinks in the tree.
func FuzzResolve(f *testing.F) {
	for _, s := range []string{".", "a", "a/b/c", "..", "../x", "/etc/passwd", "in/../../x", "out/x", "loop", "a//b/./c/..", "dir/up/x", "\x00", "~", "a/b/../../.."} {
		f.Add(s)
	}
	outside := f.TempDir()
	root := f.TempDir()
	for _, d := range []string{"a/b", "dir"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			f.Fatal(err)
		}
	}
	links := map[string]string{"out": outside, "in": "a", "loop": "loop", "dir/up": "../..", "a/b/abs": root}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			f.Fatal(err)
		}
	}
	ws, err := NewWorkspace(root)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got, err := ws.Resolve(p)
		if err != nil {
			if got != "" {
				t.Fatalf("Resolve(%q) = %q with error %v", p, got, err)
			}
			return
		}
		if _, ok := within(ws.Root(), got); !ok {
			t.Fatalf("Resolve(%q) = %q, outside %q", p, got, ws.Root())
		}
		if !filepath.IsAbs(got) || filepath.Clean(got) != got {
			t.Fatalf("Resolve(%q) = %q, not absolute and clean", p, got)
		}
		// The existing part of the result has no symlink out: evaluating
		// it again stays inside.
		if real, err := filepath.EvalSymlinks(got); err == nil {
			if _, ok := within(ws.Root(), real); !ok {
				t.Fatalf("Resolve(%q) = %q, which leads to %q", p, got, real)
			}
		}
	})
}

// FuzzParseDiff checks that parseDiff never panics, and that the blocks of
// a diff it accepts survive a round trip through the block format.
func FuzzParseDiff(f *testing.F) {
	for _, s := range []string{
		block("a\n", "b\n"),
		"<<<<<<< SEARCH\n:start_line:3\n-------\na\n=======\nb\n>>>>>>> REPLACE\n",
		block("x\n", "") + block("\\=======\n", "y\n"),
		"<<<<<<< SEARCH\r\na\r\n=======\r\n>>>>>>> REPLACE",
		"=======\n",
		"<<<<<<< SEARCH\n:start_line:0\n",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, diff string) {
		blocks, err := parseDiff(diff)
		if err != nil {
			return
		}
		if len(blocks) == 0 {
			t.Fatal("no error and no blocks")
		}
		var b strings.Builder
		for _, bl := range blocks {
			if bl.startLine < 0 {
				t.Fatalf("negative start line %d", bl.startLine)
			}
			b.WriteString(markSearch + "\n")
			if bl.startLine > 0 {
				b.WriteString(":start_line:" + strconv.Itoa(bl.startLine) + "\n")
			}
			b.WriteString(markDashes + "\n")
			for _, l := range bl.search {
				b.WriteString(escapeMarker(l) + "\n")
			}
			b.WriteString(markSep + "\n")
			for _, l := range bl.replace {
				b.WriteString(escapeMarker(l) + "\n")
			}
			b.WriteString(markReplace + "\n")
		}
		again, err := parseDiff(b.String())
		if err != nil {
			t.Fatalf("round trip of %q: %v", b.String(), err)
		}
		if len(again) != len(blocks) {
			t.Fatalf("round trip gave %d blocks, want %d", len(again), len(blocks))
		}
	})
}

func escapeMarker(l string) string {
	switch strings.TrimRight(l, " \t") {
	case markSearch, markSep, markReplace, markDashes:
		return `\` + l
	}
	if strings.HasPrefix(l, `\`) && unescapeMarker(l) != l {
		return `\` + l
	}
	return l
}
