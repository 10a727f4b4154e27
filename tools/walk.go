package tools

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// walkEntry is one entry of a directory met in a walk.
type walkEntry struct {
	abs  string
	rel  string // relative to the root, slash-separated
	mode fs.FileMode
}

func (e walkEntry) isDir() bool { return e.mode.IsDir() }

// ancestorRules returns the ignore rules in force in the parent of the
// directory rel (relative to the root): those of the root and of every
// directory down to that parent. The rules of rel itself are added when it
// is read by readDir.
func (w *Workspace) ancestorRules(rel string) *ignoreRules {
	if rel == "." || rel == "" {
		return nil
	}
	parts := strings.Split(rel, "/")
	var rules *ignoreRules
	relDir := ""
	for _, p := range parts[:len(parts)-1] {
		rules = loadIgnoreRules(rules, filepath.Join(w.root, filepath.FromSlash(relDir)), relDir)
		relDir = joinRel(relDir, p)
	}
	return loadIgnoreRules(rules, filepath.Join(w.root, filepath.FromSlash(relDir)), relDir)
}

// readDir reads the directory abs (rel relative to the root, "" for the
// root) and returns its entries that are neither .git nor ignored, in
// directory order, with the rules in force inside it for its
// subdirectories. rules are those in force in its parent.
func readDir(abs, rel string, rules *ignoreRules) ([]walkEntry, *ignoreRules, error) {
	f, err := os.Open(abs)
	if err != nil {
		return nil, rules, err
	}
	des, err := f.ReadDir(-1)
	f.Close()
	if err != nil && len(des) == 0 {
		return nil, rules, err
	}
	for _, de := range des {
		if n := de.Name(); n == ignoreFileNames[0] || n == ignoreFileNames[1] {
			rules = loadIgnoreRules(rules, abs, rel)
			break
		}
	}
	entries := make([]walkEntry, 0, len(des))
	for _, de := range des {
		name := de.Name()
		if name == ".git" {
			continue
		}
		e := walkEntry{abs: filepath.Join(abs, name), rel: joinRel(rel, name), mode: de.Type()}
		if rules != nil && rules.ignored(e.rel, e.isDir()) {
			continue
		}
		entries = append(entries, e)
	}
	return entries, rules, nil
}

func joinRel(dir, name string) string {
	if dir == "" || dir == "." {
		return name
	}
	return dir + "/" + name
}
