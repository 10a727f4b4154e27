package session

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"github.com/agentls/agentls/model"
	"github.com/agentls/agentls/store"
	"github.com/agentls/agentls/task"
	"github.com/agentls/agentls/tools"
)

// Config is everything a session is built from: the editor's
// initializationOptions merged over flags, environment and defaults.
type Config struct {
	Root  string // workspace root, an existing directory
	Model model.Config
	// MaxConcurrent (1-32) and TimeoutSeconds (1-3600) bound background
	// tasks; zero means the default.
	MaxConcurrent  int
	TimeoutSeconds float64
	// AutoApprove lists tool groups that need no approval; nil means
	// ["read"].
	AutoApprove []string
	// DataDir holds the task history; "" means store.DefaultDir.
	DataDir string
	// Keep is how many tasks per workspace the history keeps (0: default).
	Keep   int
	Logger *slog.Logger
	// Getenv reads environment variables (API keys); nil means os.Getenv.
	Getenv func(string) string
}

// Defaults of Config.
const (
	DefaultMaxConcurrent  = 3
	DefaultTimeoutSeconds = 300
)

// DefaultAutoApprove is the autoApprove of a client that sends none.
var DefaultAutoApprove = []string{string(tools.GroupRead)}

// Validate checks the options an editor can send; errors name the field as
// initializationOptions spells it.
func (c Config) Validate() error {
	if c.MaxConcurrent != 0 && (c.MaxConcurrent < 1 || c.MaxConcurrent > 32) {
		return fmt.Errorf("background.maxConcurrent: %d is out of range (1-32)", c.MaxConcurrent)
	}
	if c.TimeoutSeconds != 0 && (c.TimeoutSeconds < 1 || c.TimeoutSeconds > 3600) {
		return fmt.Errorf("background.timeoutSeconds: %g is out of range (1-3600)", c.TimeoutSeconds)
	}
	for i, g := range c.AutoApprove {
		if !slices.Contains([]string{"read", "edit", "command"}, g) {
			return fmt.Errorf("autoApprove[%d]: unknown group %q (want read, edit or command)", i, g)
		}
	}
	if c.Keep < 0 {
		return fmt.Errorf("keep: %d is negative", c.Keep)
	}
	return c.Model.Validate()
}

// Open builds a session from c.
func Open(c Config, client Client) (*Session, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	space, err := tools.NewWorkspace(c.Root)
	if err != nil {
		return nil, fmt.Errorf("root: %v", err)
	}
	mc := c.Model
	if mc.Provider == model.ProviderScript && !filepath.IsAbs(mc.Script) {
		mc.Script = filepath.Join(space.Root(), mc.Script)
	}
	provider, err := model.NewProvider(mc, model.ProviderOptions{Getenv: c.Getenv})
	if err != nil {
		if mc.Provider == model.ProviderScript {
			return nil, fmt.Errorf("model.script: %v", err)
		}
		return nil, err
	}
	history, err := openHistory(c, space.Root())
	if err != nil {
		return nil, err
	}
	approve := c.AutoApprove
	if approve == nil {
		approve = DefaultAutoApprove
	}
	var groups []tools.Group
	for _, g := range approve {
		groups = append(groups, tools.Group(g))
	}
	window := 0
	if mc.Provider != model.ProviderScript {
		window = mc.HistoryBudget()
	}
	return New(Options{
		Space:         space,
		Provider:      provider,
		Client:        client,
		History:       history,
		AutoApprove:   groups,
		MaxConcurrent: c.MaxConcurrent,
		Timeout:       time.Duration(c.TimeoutSeconds * float64(time.Second)),
		ContextWindow: window,
		SystemPrompt:  prompter(space.Root()),
		Logger:        c.Logger,
	})
}

// openHistory opens the task store. An explicit dataDir that cannot be used
// is an error; a default one falls back to memory with a warning, so that
// an editor on a machine without a writable home still works.
func openHistory(c Config, root string) (History, error) {
	s, err := store.Open(store.Options{Dir: c.DataDir, Root: root, Keep: c.Keep, Logger: c.Logger})
	if err == nil {
		return StoreHistory(s), nil
	}
	if c.DataDir != "" {
		return nil, fmt.Errorf("dataDir: %v", err)
	}
	c.Logger.Warn("task history is not kept: the default data directory cannot be used", "err", err)
	return MemoryHistory(), nil
}

func prompter(root string) func(task.Mode, bool) string {
	shell := os.Getenv("SHELL")
	if shell == "" {
		shell = "/bin/sh"
	}
	return func(m task.Mode, background bool) string {
		var names []string
		for _, t := range m.ToolsFor(background) {
			names = append(names, t.Name)
		}
		return model.SystemPrompt(model.PromptInfo{
			Mode: m.Name, ModeRole: m.Role, Root: root, OS: runtime.GOOS, Shell: shell,
			Date: time.Now(), Tools: names, Background: background,
		})
	}
}
