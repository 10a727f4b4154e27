package e2e

import (
	"context"
	"io"
	"os"
	"sync"
	"testing"

	"github.com/agentls/agentls/rpc"
	"github.com/agentls/agentls/rpc/rpcclient"
	"github.com/agentls/agentls/rpc/rpctest"
)

// editor is a client connected to a spawned agentls, as an editor would
// be: it answers approvals (approve by default) and records every event.
type editor struct {
	*rpctest.Editor

	t   *testing.T
	p   *proc
	ws  *workspace
	c   *rpcclient.Client
	ctx context.Context

	// release ends answers that a test made wait forever; closed in
	// Cleanup so that the client can close.
	release chan struct{}

	approver rpctest.Approver

	mu      sync.Mutex
	onEvent func(rpcclient.Event) // runs on the client's read loop
}

type editorOptions struct {
	// keepStdin leaves the server's stdin open when the client's
	// connection ends, so that a test can close stdout alone.
	keepStdin bool
}

// connect spawns agentls in ws and connects an editor to it.
func connect(t *testing.T, ws *workspace) *editor {
	return connectWith(t, ws, editorOptions{})
}

func connectWith(t *testing.T, ws *workspace, o editorOptions) *editor {
	t.Helper()
	p := spawn(t, ws)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	e := &editor{t: t, p: p, ws: ws, ctx: ctx, release: make(chan struct{})}
	var stdin io.WriteCloser = p.stdin
	if o.keepStdin {
		stdin = nopCloser{p.stdin}
	}
	e.c = rpcclient.New(p.stdout, stdin, rpcclient.Options{
		OnRequest: e.approver.OnRequest,
		OnEvent: func(ev rpcclient.Event) {
			e.mu.Lock()
			f := e.onEvent
			e.mu.Unlock()
			if f != nil {
				f(ev)
			}
		},
	})
	e.Editor = rpctest.New(ctx, t, e.c, rpctest.Options{DumpBytes: 8000})
	t.Cleanup(func() {
		close(e.release)
		_ = e.c.Close()
		cancel()
	})
	return e
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

func (e *editor) setApprove(f func(string) any) { e.approver.Set(f) }

func (e *editor) setOnEvent(f func(rpcclient.Event)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.onEvent = f
}

// initialize sends initialize with the script provider on script.json, the
// workspace's data directory, and the given extra options.
func (e *editor) initialize(extra map[string]any) rpc.InitializeResult {
	e.t.Helper()
	params := map[string]any{
		"processId":             os.Getpid(),
		"rootUri":               "file://" + e.ws.root,
		"capabilities":          map[string]any{},
		"initializationOptions": rpctest.InitOptions(e.ws.data, extra),
	}
	return e.Initialize(params)
}

// shutdown ends the session the LSP way and returns the exit code.
func (e *editor) shutdown() int {
	e.t.Helper()
	e.Exit()
	return e.p.exitCode()
}
