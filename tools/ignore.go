package tools

import (
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// ignoreFileNames are read in every directory, in this order; a later
// file's rules win, as in ripgrep (.ignore over .gitignore).
var ignoreFileNames = [...]string{".gitignore", ".ignore"}

// ignoreRules holds the ignore rules that apply in one directory: those of
// its own ignore files and, through parent, those of every directory above
// it up to the workspace root. As in git, the deepest directory's rules win
// and within one file the last matching line wins, so a "!pattern" line can
// re-include what a line before it, or a file above it, excluded.
type ignoreRules struct {
	parent *ignoreRules
	dir    string // directory of these rules, relative to the root, slash-separated, "" for the root
	pats   []ignorePattern
}

// ignorePattern is one line of an ignore file, compiled by git's rules.
type ignorePattern struct {
	glob     string // doublestar glob: "*" and "?" stay within a name, "**" spans directories
	negate   bool   // "!pattern": re-include
	dirOnly  bool   // "pattern/": directories only
	anchored bool   // had a "/" before its end: matched against the path from the ignore file's directory, else against the name
}

// loadIgnoreRules returns the rules for the directory absDir (relDir
// relative to the root) given those of its parent. It returns parent itself
// when absDir has no ignore files, so that a chain is only as long as the
// number of directories that have them.
func loadIgnoreRules(parent *ignoreRules, absDir, relDir string) *ignoreRules {
	var pats []ignorePattern
	for _, name := range ignoreFileNames {
		data, err := os.ReadFile(filepath.Join(absDir, name))
		if err != nil {
			continue // missing or unreadable: no rules, as in git
		}
		pats = append(pats, parseIgnoreLines(string(data))...)
	}
	if len(pats) == 0 {
		return parent
	}
	return &ignoreRules{parent: parent, dir: relDir, pats: pats}
}

// parseIgnoreLines compiles the lines of an ignore file (gitignore(5)).
// Matching each path on its own, rather than also through its parents,
// is right for a walk that never enters an ignored directory, and lets a
// directory asked for by name be listed even when it is ignored.
func parseIgnoreLines(text string) []ignorePattern {
	var pats []ignorePattern
	for _, line := range strings.Split(text, "\n") {
		line = trimTrailingSpaces(strings.TrimRight(line, "\r"))
		if line == "" || line[0] == '#' {
			continue
		}
		var p ignorePattern
		if line[0] == '!' {
			p.negate = true
			line = line[1:]
		} else if strings.HasPrefix(line, `\!`) || strings.HasPrefix(line, `\#`) {
			line = line[1:]
		}
		if strings.HasSuffix(line, "/") {
			p.dirOnly = true
			line = strings.TrimRight(line, "/")
		}
		p.anchored = strings.Contains(line, "/")
		line = strings.TrimPrefix(line, "/")
		if line == "" {
			continue
		}
		// Braces are literal in gitignore, alternation in doublestar.
		line = strings.NewReplacer("{", `\{`, "}", `\}`).Replace(line)
		if !doublestar.ValidatePattern(line) {
			continue // git ignores a pattern it cannot parse
		}
		p.glob = line
		pats = append(pats, p)
	}
	return pats
}

// trimTrailingSpaces drops trailing spaces unless escaped with a backslash.
func trimTrailingSpaces(s string) string {
	for strings.HasSuffix(s, " ") && !strings.HasSuffix(s, `\ `) {
		s = s[:len(s)-1]
	}
	return s
}

func (p *ignorePattern) match(sub string, isDir bool) bool {
	if p.dirOnly && !isDir {
		return false
	}
	if !p.anchored {
		sub = path.Base(sub)
	}
	ok, _ := doublestar.Match(p.glob, sub)
	return ok
}

// ignored reports whether the path rel (relative to the root,
// slash-separated) is ignored by these rules. isDir selects the directory
// rules ("build/").
func (r *ignoreRules) ignored(rel string, isDir bool) bool {
	for ; r != nil; r = r.parent {
		sub := rel
		if r.dir != "" {
			if !strings.HasPrefix(rel, r.dir+"/") {
				continue
			}
			sub = rel[len(r.dir)+1:]
		}
		for i := len(r.pats) - 1; i >= 0; i-- {
			if r.pats[i].match(sub, isDir) {
				return !r.pats[i].negate
			}
		}
	}
	return false
}
