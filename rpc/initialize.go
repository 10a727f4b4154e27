package rpc

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/sourcegraph/jsonrpc2"

	"github.com/agentls/agentls/session"
	"github.com/agentls/agentls/task"
	"github.com/agentls/agentls/tools"
)

func (s *server) initialize(_ context.Context, p InitializeParams) (any, func(), error) {
	root, field, err := workspaceRoot(p)
	if err != nil {
		return nil, nil, errorf(jsonrpc2.CodeInvalidParams, "%s: %v", field, err)
	}
	cfg, err := s.config(root, p.InitializationOptions)
	if err != nil {
		return nil, nil, errorf(jsonrpc2.CodeInvalidParams, "initializationOptions.%v", err)
	}
	s.client.setProgress(p.Capabilities.Window.WorkDoneProgress)
	sess, err := session.Open(cfg, s.client)
	if err != nil {
		if rest, ok := strings.CutPrefix(err.Error(), "root: "); ok {
			return nil, nil, errorf(jsonrpc2.CodeInvalidParams, "%s: %s", field, rest)
		}
		return nil, nil, errorf(jsonrpc2.CodeInvalidParams, "initializationOptions.%v", err)
	}
	s.sessionMu.Lock()
	s.mu.Lock()
	s.sess = sess
	s.state = initialized
	s.mu.Unlock()
	s.sessionMu.Unlock()
	s.log.Info("initialized", "root", root, "provider", cfg.Model.Provider)
	return s.capabilities(), nil, nil
}

// config merges initializationOptions over the defaults; errors name the
// field below initializationOptions.
func (s *server) config(root string, o *InitializationOpts) (session.Config, error) {
	cfg := s.opts.Defaults
	cfg.Root = root
	if cfg.Logger == nil {
		cfg.Logger = s.log
	}
	if o == nil {
		return cfg, cfg.Validate()
	}
	if m := o.Model; m != nil {
		if m.Provider != "" && m.Provider != cfg.Model.Provider {
			// A different provider starts from its own defaults.
			cfg.Model.Name, cfg.Model.BaseURL, cfg.Model.APIKeyEnv, cfg.Model.Script = "", "", "", ""
		}
		set := func(dst *string, v string) {
			if v != "" {
				*dst = v
			}
		}
		set(&cfg.Model.Provider, m.Provider)
		set(&cfg.Model.Name, m.Name)
		set(&cfg.Model.BaseURL, m.BaseURL)
		set(&cfg.Model.APIKeyEnv, m.APIKeyEnv)
		set(&cfg.Model.Script, m.Script)
		if m.ContextWindow != 0 {
			cfg.Model.ContextWindow = m.ContextWindow
		}
		if m.MaxTokens != 0 {
			cfg.Model.MaxTokens = m.MaxTokens
		}
	}
	if b := o.Background; b != nil {
		if b.MaxConcurrent != nil {
			if *b.MaxConcurrent < 1 {
				return cfg, fmt.Errorf("background.maxConcurrent: %d is out of range (1-32)", *b.MaxConcurrent)
			}
			cfg.MaxConcurrent = *b.MaxConcurrent
		}
		if b.TimeoutSeconds != nil {
			if *b.TimeoutSeconds < 1 {
				return cfg, fmt.Errorf("background.timeoutSeconds: %g is out of range (1-3600)", *b.TimeoutSeconds)
			}
			cfg.TimeoutSeconds = *b.TimeoutSeconds
		}
	}
	if o.AutoApprove != nil {
		cfg.AutoApprove = append([]string{}, *o.AutoApprove...)
	}
	if o.DataDir != nil {
		dir := strings.TrimSpace(*o.DataDir)
		if dir == "" {
			return cfg, errors.New("dataDir: must not be empty")
		}
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(root, dir)
		}
		cfg.DataDir = dir
	}
	return cfg, cfg.Validate()
}

// workspaceRoot picks the root as the contract says and names the field it
// came from, for errors.
func workspaceRoot(p InitializeParams) (root, field string, err error) {
	switch {
	case len(p.WorkspaceFolders) > 0:
		field = "workspaceFolders[0].uri"
		root, err = uriPath(p.WorkspaceFolders[0].URI)
	case p.RootURI != nil && *p.RootURI != "":
		field = "rootUri"
		root, err = uriPath(*p.RootURI)
	case p.RootPath != nil && *p.RootPath != "":
		field, root = "rootPath", *p.RootPath
	default:
		field = "root"
		root, err = os.Getwd()
	}
	if err != nil {
		return "", field, err
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return "", field, err
	}
	st, err := os.Stat(abs)
	if err != nil {
		return "", field, fmt.Errorf("workspace root %s: %v", abs, errors.Unwrap(err))
	}
	if !st.IsDir() {
		return "", field, fmt.Errorf("workspace root %s is not a directory", abs)
	}
	return abs, field, nil
}

// uriPath turns a file:// URI into a path.
func uriPath(uri string) (string, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return "", fmt.Errorf("invalid URI %q: %v", uri, err)
	}
	if u.Scheme != "file" {
		return "", fmt.Errorf("unsupported URI %q: only file:// URIs are supported", uri)
	}
	if u.Path == "" {
		return "", fmt.Errorf("URI %q has no path", uri)
	}
	return filepath.FromSlash(u.Path), nil
}

func (s *server) capabilities() InitializeResult {
	var names []string
	groups := map[string]string{}
	for _, t := range tools.All() {
		names = append(names, t.Name)
		groups[t.Name] = string(t.Group)
	}
	return InitializeResult{
		ServerInfo: ServerInfo{Name: "agentls", Version: s.opts.Version},
		Capabilities: ServerCapabilities{
			ExecuteCommandProvider: ExecuteCommandOptions{Commands: []string{
				CommandStartTask, CommandReply, CommandCancelTask, CommandListBackground,
			}},
			Experimental: Experimental{Agentls: AgentlsCapabilities{
				ProtocolVersion: ProtocolVersion,
				Modes:           task.ModeNames(),
				Tools:           names,
				ToolGroups:      groups,
			}},
		},
	}
}

func sessionStart(p StartParams) session.StartParams {
	return session.StartParams{Text: p.Text, Mode: p.Mode, Title: p.Title}
}
