package tools

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// maxSymlinkHops bounds symlink resolution so that a link cycle is an error
// instead of a hang.
const maxSymlinkHops = 255

// Workspace is the directory tree the tools may touch. Every path a tool is
// given goes through Resolve, the one place that decides what is inside.
type Workspace struct {
	root  string // absolute, symlinks evaluated
	given string // absolute as given, symlinks not evaluated (may equal root)
	// rg is the path of the ripgrep binary used by search_files, or "" for
	// the pure-Go searcher. Tests clear it to exercise both backends.
	rg string
}

// NewWorkspace returns the workspace rooted at root. The root is made
// absolute and its symlinks are evaluated; it must be a directory.
func NewWorkspace(root string) (*Workspace, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("workspace root %q: %w", root, err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("workspace root %q: %w", root, err)
	}
	fi, err := os.Stat(real)
	if err != nil {
		return nil, fmt.Errorf("workspace root %q: %w", root, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("workspace root %q is not a directory", root)
	}
	w := &Workspace{root: real, given: abs}
	if rg, err := exec.LookPath("rg"); err == nil {
		w.rg = rg
	}
	return w, nil
}

// Root returns the absolute, symlink-free path of the workspace root.
func (w *Workspace) Root() string { return w.root }

// Resolve turns a path given by the model (relative to the root, or absolute
// inside it) into an absolute path with every symlink of its existing part
// evaluated. For a path that does not exist yet, the deepest existing parent
// is evaluated and the rest appended. A path that leaves the workspace, by
// "..", by being absolute elsewhere or through a symlink, is refused with an
// error that names it and says why.
func (w *Workspace) Resolve(path string) (string, error) {
	if path == "" {
		return "", errors.New("the path is empty; give a path relative to the workspace root, such as \".\" or \"src/main.go\"")
	}
	if strings.IndexByte(path, 0) >= 0 {
		return "", fmt.Errorf("path %q contains a NUL byte", path)
	}
	var abs string
	if filepath.IsAbs(path) {
		abs = filepath.Clean(path)
		// An absolute path spelled through the root as given (before its
		// symlinks were evaluated) is inside too.
		if w.given != w.root {
			if rel, ok := within(w.given, abs); ok {
				abs = filepath.Join(w.root, rel)
			}
		}
	} else {
		abs = filepath.Join(w.root, path)
	}
	rel, ok := within(w.root, abs)
	if !ok {
		return "", fmt.Errorf("path %q is outside the workspace %s; use a path relative to the workspace root", path, w.root)
	}
	real, err := evalPath(w.root, rel)
	if err != nil {
		return "", fmt.Errorf("path %q: %w", path, err)
	}
	if _, ok := within(w.root, real); !ok {
		return "", fmt.Errorf("path %q leads through a symbolic link to %s, which is outside the workspace; only files inside the workspace can be used", path, real)
	}
	return real, nil
}

// rel returns abs relative to the root with forward slashes, "." for the
// root itself. abs must come from Resolve or a walk below the root.
func (w *Workspace) rel(abs string) string {
	r, ok := within(w.root, abs)
	if !ok {
		return filepath.ToSlash(abs)
	}
	return filepath.ToSlash(r)
}

// within reports whether the clean absolute path p is root or below it, and
// returns p relative to root.
func within(root, p string) (string, bool) {
	rel, err := filepath.Rel(root, p)
	if err != nil {
		return "", false
	}
	if rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return "", false
	}
	return rel, true
}

// evalPath evaluates the symlinks of root/rel component by component, like
// filepath.EvalSymlinks, except that a missing component ends the walk and
// the remaining components are appended as they are. root has no symlinks.
// Following links by hand (rather than EvalSymlinks on the deepest existing
// parent) also handles a dangling link, whose target is what a write would
// create.
func evalPath(root, rel string) (string, error) {
	resolved := root
	rest := splitPath(rel)
	hops := 0
	for len(rest) > 0 {
		c := rest[0]
		rest = rest[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			resolved = filepath.Dir(resolved)
			continue
		}
		next := filepath.Join(resolved, c)
		fi, err := os.Lstat(next)
		if errors.Is(err, fs.ErrNotExist) {
			return filepath.Join(append([]string{next}, rest...)...), nil
		}
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return "", fmt.Errorf("cannot resolve %s: %w", next, err)
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			resolved = next
			continue
		}
		hops++
		if hops > maxSymlinkHops {
			return "", errors.New("too many levels of symbolic links")
		}
		target, err := os.Readlink(next)
		if err != nil {
			return "", fmt.Errorf("cannot read symbolic link %s: %w", next, err)
		}
		if filepath.IsAbs(target) {
			resolved = string(filepath.Separator)
		}
		rest = append(splitPath(target), rest...)
	}
	return resolved, nil
}

func splitPath(p string) []string {
	return strings.Split(filepath.ToSlash(p), "/")
}
