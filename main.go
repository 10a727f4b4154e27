// Command agentls is an agent language server: editors spawn it over stdio
// and drive AI coding-agent tasks with LSP-style JSON-RPC.
//
//	agentls [--stdio] [flags]   serve one editor connection on stdin/stdout
//	agentls demo                run an offline demo task and print what an editor sees
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/agentls/agentls/rpc"
	"github.com/agentls/agentls/session"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// exitGrace bounds how long the process may take to end once its session
// ends, whatever a task is doing.
const exitGrace = 2 * time.Second

func main() {
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "demo" {
		os.Exit(runDemo(os.Stdout, args[1:]))
	}
	cfg, logLevel, err := parseFlags(args, os.Getenv, os.Stderr)
	if err != nil {
		if err == errHelpShown {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "agentls:", err)
		os.Exit(2)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: logLevel}))
	cfg.Logger = logger
	os.Exit(serve(os.Stdin, os.Stdout, cfg, logger))
}

// serve runs one session on in/out and returns the exit code.
func serve(in io.Reader, out io.Writer, cfg session.Config, logger *slog.Logger) int {
	// A closed stdout must end the session, not kill the process before
	// it can stop its tasks and child processes.
	signal.Ignore(syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	return rpc.Serve(ctx, in, out, rpc.Options{
		Version:  version,
		Logger:   logger,
		Defaults: cfg,
		OnStop: func() {
			time.AfterFunc(exitGrace, func() {
				logger.Error("tasks did not stop in time; exiting anyway")
				os.Exit(1)
			})
		},
	})
}

var errHelpShown = fmt.Errorf("help shown")

const usage = `usage: agentls [--stdio] [flags]
       agentls demo

Flags (each also read from the environment variable shown):
  --provider NAME         model provider: openai, anthropic or script  (AGENTLS_PROVIDER)
  --model NAME            model name                                   (AGENTLS_MODEL)
  --base-url URL          OpenAI-compatible or Anthropic base URL      (AGENTLS_BASE_URL)
  --api-key-env NAME      environment variable holding the API key
  --script PATH           script file of the script provider           (AGENTLS_SCRIPT)
  --data-dir DIR          task history directory                       (AGENTLS_DATA_DIR)
  --max-concurrent N      background tasks running at once, 1-32
  --timeout SECONDS       background task timeout, 1-3600
  --auto-approve GROUPS   comma-separated groups: read,edit,command
  --log-level LEVEL       debug, info, warn or error                   (AGENTLS_LOG_LEVEL)
initializationOptions from the editor override all of these.
Unknown arguments (such as --stdio) are ignored.
`

// parseFlags reads flags and environment variables into the session
// defaults. Unknown arguments are ignored, as editors pass their own.
func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (session.Config, slog.Level, error) {
	var cfg session.Config
	cfg.Model.ApplyEnv(getenv)
	cfg.Model.Script = getenv("AGENTLS_SCRIPT")
	cfg.DataDir = getenv("AGENTLS_DATA_DIR")
	level := getenv("AGENTLS_LOG_LEVEL")
	cfg.Getenv = getenv

	for i := 0; i < len(args); i++ {
		name, value, hasValue := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		if !strings.HasPrefix(args[i], "-") {
			continue
		}
		takes := map[string]bool{"provider": true, "model": true, "base-url": true, "api-key-env": true, "script": true,
			"data-dir": true, "max-concurrent": true, "timeout": true, "auto-approve": true, "log-level": true}
		if name == "help" || name == "h" {
			fmt.Fprint(stderr, usage)
			return cfg, 0, errHelpShown
		}
		if name == "version" {
			fmt.Fprintln(stderr, "agentls", version)
			return cfg, 0, errHelpShown
		}
		if !takes[name] {
			continue // --stdio and anything else an editor adds
		}
		if !hasValue {
			if i+1 >= len(args) {
				return cfg, 0, fmt.Errorf("--%s needs a value", name)
			}
			i++
			value = args[i]
		}
		switch name {
		case "provider":
			cfg.Model.Provider = value
		case "model":
			cfg.Model.Name = value
		case "base-url":
			cfg.Model.BaseURL = value
		case "api-key-env":
			cfg.Model.APIKeyEnv = value
		case "script":
			cfg.Model.Script = value
		case "data-dir":
			cfg.DataDir = value
		case "max-concurrent":
			n, err := strconv.Atoi(value)
			if err != nil {
				return cfg, 0, fmt.Errorf("--max-concurrent: %q is not a number", value)
			}
			cfg.MaxConcurrent = n
		case "timeout":
			n, err := strconv.ParseFloat(value, 64)
			if err != nil {
				return cfg, 0, fmt.Errorf("--timeout: %q is not a number", value)
			}
			cfg.TimeoutSeconds = n
		case "auto-approve":
			cfg.AutoApprove = []string{}
			for _, g := range strings.Split(value, ",") {
				if g = strings.TrimSpace(g); g != "" {
					cfg.AutoApprove = append(cfg.AutoApprove, g)
				}
			}
		case "log-level":
			level = value
		}
	}
	if cfg.Model.Provider == "" && cfg.Model.Script != "" {
		cfg.Model.Provider = "script"
	}
	var lvl slog.Level
	if level != "" {
		if err := lvl.UnmarshalText([]byte(level)); err != nil {
			return cfg, 0, fmt.Errorf("log level %q: want debug, info, warn or error", level)
		}
	}
	if err := cfg.Validate(); err != nil {
		return cfg, 0, err
	}
	return cfg, lvl, nil
}
