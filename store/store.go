package store

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// File and directory names inside the data directory.
const (
	workspacesDir = "workspaces"
	rootFile      = "root.txt"
	tasksDir      = "tasks"
	metaFile      = "meta.json"
	logFile       = "messages.jsonl"
	lockFile      = "lock"
	trashPrefix   = ".trash-"
)

// DefaultKeep is the number of tasks kept per workspace when Options.Keep
// is 0.
const DefaultKeep = 500

// Options configure a Store.
type Options struct {
	// Dir is the data directory; "" means DefaultDir().
	Dir string
	// Root is the absolute workspace root. Tasks are grouped per workspace.
	Root string
	// Keep is the number of tasks kept per workspace; DefaultKeep when 0.
	// Older ones (by CreatedAt) are deleted, never one that is open.
	Keep int
	// Logger receives warnings about damaged files; nil discards them.
	Logger *slog.Logger
}

// Store is the task history of one workspace. It is safe for concurrent use,
// and several processes may use the same data directory at once.
type Store struct {
	dir    string // this workspace's tasks directory
	keep   int
	logger *slog.Logger

	mu      sync.Mutex
	handles map[*Handle]struct{}
	closed  bool
}

// DefaultDir returns $XDG_DATA_HOME/agentls, or ~/.local/share/agentls when
// XDG_DATA_HOME is unset or not absolute (as the XDG spec asks).
func DefaultDir() (string, error) {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "agentls"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find the data directory: %w", err)
	}
	return filepath.Join(home, ".local", "share", "agentls"), nil
}

// Open opens, creating it if needed, the task history of opts.Root.
func Open(opts Options) (*Store, error) {
	if opts.Root == "" || !filepath.IsAbs(opts.Root) {
		return nil, fmt.Errorf("task store: workspace root %q is not an absolute path", opts.Root)
	}
	if opts.Keep < 0 {
		return nil, fmt.Errorf("task store: keep must not be negative, got %d", opts.Keep)
	}
	if opts.Keep == 0 {
		opts.Keep = DefaultKeep
	}
	if opts.Dir == "" {
		d, err := DefaultDir()
		if err != nil {
			return nil, err
		}
		opts.Dir = d
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	root := filepath.Clean(opts.Root)
	sum := sha256.Sum256([]byte(root))
	wsDir := filepath.Join(opts.Dir, workspacesDir, hex.EncodeToString(sum[:8]))
	dir := filepath.Join(wsDir, tasksDir)
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return nil, fmt.Errorf("task store: %w", err)
	}
	s := &Store{
		dir:     dir,
		keep:    opts.Keep,
		logger:  opts.Logger.With("component", "store"),
		handles: make(map[*Handle]struct{}),
	}
	s.writeRoot(wsDir, root)
	s.removeTrash()
	return s, nil
}

// writeRoot records the workspace root beside its tasks, for people
// browsing the data directory. Failing to do so costs nothing else.
func (s *Store) writeRoot(wsDir, root string) {
	path := filepath.Join(wsDir, rootFile)
	if b, err := readFileLimit(path, 64<<10); err == nil && strings.TrimSpace(string(b)) == root {
		return
	}
	if err := writeFileAtomic(path, []byte(root+"\n")); err != nil {
		s.logger.Warn("cannot record the workspace root", "path", path, "err", err)
	}
}

// removeTrash finishes deletions that a crash interrupted.
func (s *Store) removeTrash() {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), trashPrefix) {
			if err := os.RemoveAll(filepath.Join(s.dir, e.Name())); err != nil {
				s.logger.Warn("cannot remove a deleted task", "path", e.Name(), "err", err)
			}
		}
	}
}

// Close closes every Handle still open, releasing their locks.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	handles := s.handles
	s.handles = nil
	s.mu.Unlock()
	var errs []error
	for h := range handles {
		errs = append(errs, h.Close())
	}
	return errors.Join(errs...)
}

func (s *Store) taskDir(taskID string) string { return filepath.Join(s.dir, taskID) }

func (s *Store) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}
