package rpc_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agentls/agentls/rpc"
	"github.com/agentls/agentls/rpc/rpcclient"
	"github.com/agentls/agentls/rpc/rpctest"
)

// testTimeout bounds every wait of a test, so that a broken server fails
// the test instead of hanging it.
const testTimeout = 30 * time.Second

// harness is an editor talking to an in-process server over pipes.
type harness struct {
	*rpctest.Editor

	t    *testing.T
	c    *rpcclient.Client
	root string
	data string
	done chan int
	ctx  context.Context

	approver rpctest.Approver
}

type harnessOptions struct {
	root     string // reuse a workspace (default: a new one)
	data     string // reuse a data directory (default: a new one)
	files    map[string]string
	script   string
	maxBytes int
}

func newHarness(t *testing.T, o harnessOptions) *harness {
	t.Helper()
	root := o.root
	if root == "" {
		root = t.TempDir()
	}
	data := o.data
	if data == "" {
		data = t.TempDir()
	}
	if o.script != "" {
		o.files = withFile(o.files, "script.json", o.script)
	}
	for name, content := range o.files {
		p := filepath.Join(root, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	h := &harness{t: t, root: root, data: data, done: make(chan int, 1), ctx: ctx}

	serverIn, clientOut := io.Pipe()
	clientIn, serverOut := io.Pipe()
	go func() {
		code := rpc.Serve(context.Background(), serverIn, serverOut, rpc.Options{Version: "test", MaxMessageSize: o.maxBytes})
		serverOut.Close()
		serverIn.Close()
		h.done <- code
	}()
	h.c = rpcclient.New(clientIn, clientOut, rpcclient.Options{
		OnRequest: h.approver.OnRequest,
	})
	h.Editor = rpctest.New(ctx, t, h.c, rpctest.Options{})
	t.Cleanup(func() {
		_ = h.c.Close()
		select {
		case <-h.done:
		case <-time.After(testTimeout):
			t.Error("server did not end after the client closed")
		}
	})
	return h
}

func withFile(files map[string]string, name, content string) map[string]string {
	out := map[string]string{name: content}
	for k, v := range files {
		out[k] = v
	}
	return out
}

func (h *harness) setApprove(f func(string) any) { h.approver.Set(f) }

// initialize sends initialize with the script provider and extra options.
func (h *harness) initialize(extra map[string]any) rpc.InitializeResult {
	h.t.Helper()
	return h.Initialize(h.initParams(extra))
}

func (h *harness) initParams(extra map[string]any) map[string]any {
	return map[string]any{
		"processId":             nil,
		"rootUri":               "file://" + h.root,
		"capabilities":          map[string]any{"window": map[string]any{"workDoneProgress": true}},
		"initializationOptions": rpctest.InitOptions(h.data, extra),
	}
}

// shutdown ends the session the LSP way and returns the exit code.
func (h *harness) shutdown() int {
	h.t.Helper()
	h.Exit()
	select {
	case code := <-h.done:
		h.done <- code // for Cleanup
		return code
	case <-h.ctx.Done():
		h.t.Fatal("server did not exit")
		return -1
	}
}

type rpcIn = rpcclient.Event
