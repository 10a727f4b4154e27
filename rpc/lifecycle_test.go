package rpc_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/sourcegraph/jsonrpc2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/agentls/agentls/internal/lspframe"
	"github.com/agentls/agentls/rpc"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const completeScript = `{"conversations":[{"match":"","turns":[
 {"toolCalls":[{"name":"attempt_completion","arguments":{"result":"done"}}]}]}]}`

func TestRequestBeforeInitializeIsRefused(t *testing.T) {
	h := newHarness(t, harnessOptions{script: completeScript})
	err := h.CallErr("task/list", map[string]any{})
	assert.EqualValues(t, -32002, err.Code)
	assert.Contains(t, err.Message, "initialize")
	// The server goes on: initialize still works.
	res := h.initialize(nil)
	assert.Equal(t, "agentls", res.ServerInfo.Name)
}

func TestInitializeAdvertisesTheProtocol(t *testing.T) {
	h := newHarness(t, harnessOptions{script: completeScript})
	res := h.initialize(nil)
	assert.Equal(t, "test", res.ServerInfo.Version)
	assert.ElementsMatch(t, []string{"agentls.startTask", "agentls.reply", "agentls.cancelTask", "agentls.listBackground"},
		res.Capabilities.ExecuteCommandProvider.Commands)
	a := res.Capabilities.Experimental.Agentls
	assert.Equal(t, 1, a.ProtocolVersion)
	assert.Subset(t, a.Modes, []string{"code", "ask", "architect", "orchestrator"})
	assert.Subset(t, a.Tools, []string{"read_file", "list_files", "search_files", "list_code_definition_names",
		"write_to_file", "apply_diff", "execute_command", "ask_followup_question", "attempt_completion",
		"new_task", "update_todo_list", "wait_for_background"})

	second := h.CallErr("initialize", h.initParams(nil))
	assert.EqualValues(t, jsonrpc2.CodeInvalidRequest, second.Code)
}

func TestInvalidInitializationOptionsNameTheField(t *testing.T) {
	cases := []struct {
		name  string
		opts  map[string]any
		field string
	}{
		{"maxConcurrent zero", map[string]any{"background": map[string]any{"maxConcurrent": 0}}, "background.maxConcurrent"},
		{"maxConcurrent too big", map[string]any{"background": map[string]any{"maxConcurrent": 33}}, "background.maxConcurrent"},
		{"maxConcurrent not a number", map[string]any{"background": map[string]any{"maxConcurrent": "three"}}, "background.maxConcurrent"},
		{"timeout too long", map[string]any{"background": map[string]any{"timeoutSeconds": 3601}}, "background.timeoutSeconds"},
		{"unknown group", map[string]any{"autoApprove": []string{"read", "everything"}}, "autoApprove"},
		{"unknown provider", map[string]any{"model": map[string]any{"provider": "nope"}}, "model.provider"},
		{"script missing", map[string]any{"model": map[string]any{"provider": "script", "script": "missing.json"}}, "model.script"},
		{"malformed script", map[string]any{"model": map[string]any{"provider": "script", "script": "bad.json"}}, "model.script"},
		{"bad regexp in script", map[string]any{"model": map[string]any{"provider": "script", "script": "badre.json"}}, "match"},
		{"empty dataDir", map[string]any{"dataDir": ""}, "dataDir"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, harnessOptions{script: completeScript, files: map[string]string{
				"bad.json":   `{"conversations": [`,
				"badre.json": `{"conversations": [{"match": "(", "turns": []}]}`,
			}})
			err := h.CallErr("initialize", h.initParams(tc.opts))
			assert.EqualValues(t, jsonrpc2.CodeInvalidParams, err.Code)
			assert.Contains(t, err.Message, tc.field)
			// Still serving: a valid initialize succeeds afterwards.
			h.initialize(nil)
		})
	}
}

func TestUnknownMethodsAndBadParams(t *testing.T) {
	h := newHarness(t, harnessOptions{script: completeScript})
	h.initialize(nil)

	err := h.CallErr("task/frobnicate", map[string]any{})
	assert.EqualValues(t, jsonrpc2.CodeMethodNotFound, err.Code)
	assert.Contains(t, err.Message, "task/frobnicate")

	require.NoError(t, h.c.Notify(h.ctx, "some/unknownNotification", map[string]any{"x": 1}))

	err = h.CallErr("task/get", map[string]any{"taskId": 42})
	assert.EqualValues(t, jsonrpc2.CodeInvalidParams, err.Code)
	assert.Contains(t, err.Message, "taskId")

	err = h.CallErr("task/get", map[string]any{"taskId": "no-such-task"})
	assert.EqualValues(t, jsonrpc2.CodeInvalidParams, err.Code)
	assert.Contains(t, err.Message, "no-such-task")

	err = h.CallErr("task/start", map[string]any{"text": ""})
	assert.EqualValues(t, jsonrpc2.CodeInvalidParams, err.Code)
	assert.Contains(t, err.Message, "text")

	err = h.CallErr("task/start", map[string]any{"text": "hi", "mode": "wizard"})
	assert.EqualValues(t, jsonrpc2.CodeInvalidParams, err.Code)
	assert.Contains(t, err.Message, "mode")

	err = h.CallErr("task/reply", nil)
	assert.EqualValues(t, jsonrpc2.CodeInvalidParams, err.Code)

	err = h.CallErr("workspace/executeCommand", map[string]any{"command": "agentls.nope"})
	assert.EqualValues(t, jsonrpc2.CodeInvalidParams, err.Code)
	assert.Contains(t, err.Message, "agentls.nope")

	var list rpc.TaskListResult
	h.Call("task/list", map[string]any{}, &list)
	assert.NotNil(t, list.Tasks)
}

func TestShutdownThenExitEndsWithZero(t *testing.T) {
	h := newHarness(t, harnessOptions{script: completeScript})
	h.initialize(nil)
	h.Call("shutdown", nil, nil)
	err := h.CallErr("task/list", map[string]any{})
	assert.EqualValues(t, jsonrpc2.CodeInvalidRequest, err.Code)
	require.NoError(t, h.c.Notify(h.ctx, "exit", nil))
	assert.Equal(t, 0, <-h.done)
	h.done <- 0
}

func TestExitWithoutShutdownEndsWithOne(t *testing.T) {
	h := newHarness(t, harnessOptions{script: completeScript})
	h.initialize(nil)
	require.NoError(t, h.c.Notify(h.ctx, "exit", nil))
	assert.Equal(t, 1, <-h.done)
	h.done <- 1
}

// rawConn writes frames by hand and reads the server's replies, for input
// no well-behaved client library would send.
type rawConn struct {
	t    *testing.T
	w    *io.PipeWriter
	r    *bufio.Reader
	done chan int
}

func newRawConn(t *testing.T, maxBytes int) *rawConn {
	serverIn, clientOut := io.Pipe()
	clientIn, serverOut := io.Pipe()
	rc := &rawConn{t: t, w: clientOut, r: bufio.NewReader(clientIn), done: make(chan int, 1)}
	go func() {
		code := rpc.Serve(context.Background(), serverIn, serverOut, rpc.Options{MaxMessageSize: maxBytes})
		serverOut.Close()
		serverIn.Close()
		rc.done <- code
	}()
	t.Cleanup(func() {
		clientOut.Close()
		// Drain whatever the server still writes until it ends.
		go func() { _, _ = io.Copy(io.Discard, clientIn) }()
		<-rc.done
		clientIn.Close()
	})
	return rc
}

func (rc *rawConn) send(body string) {
	rc.t.Helper()
	_, err := rc.w.Write(lspframe.Frame([]byte(body)))
	require.NoError(rc.t, err)
}

// recv reads the next frame, skipping notifications.
func (rc *rawConn) recv() map[string]any {
	rc.t.Helper()
	for {
		body, err := lspframe.Read(rc.r)
		require.NoError(rc.t, err)
		var m map[string]any
		require.NoError(rc.t, json.Unmarshal(body, &m))
		if _, isNotification := m["method"]; !isNotification {
			return m
		}
	}
}

func errorCode(t *testing.T, m map[string]any) float64 {
	t.Helper()
	e, ok := m["error"].(map[string]any)
	require.True(t, ok, "want an error reply, got %v", m)
	return e["code"].(float64)
}

func TestMalformedInputIsAnsweredAndTheServerGoesOn(t *testing.T) {
	rc := newRawConn(t, 1024)

	rc.send(`{"jsonrpc":"2.0","id":1,"method":`)
	m := rc.recv()
	assert.EqualValues(t, -32700, errorCode(t, m))
	assert.Nil(t, m["id"])

	rc.send(`42`)
	m = rc.recv()
	assert.EqualValues(t, -32600, errorCode(t, m))
	assert.Nil(t, m["id"])

	rc.send(`{"jsonrpc":"2.0","id":7}`)
	m = rc.recv()
	assert.EqualValues(t, -32600, errorCode(t, m))
	assert.EqualValues(t, 7, m["id"])

	rc.send(`{"jsonrpc":"2.0","id":"s","method":5}`)
	m = rc.recv()
	assert.EqualValues(t, -32600, errorCode(t, m))
	assert.Equal(t, "s", m["id"])

	rc.send(`[{"jsonrpc":"2.0","id":1,"method":"task/list"}]`)
	m = rc.recv()
	assert.EqualValues(t, -32600, errorCode(t, m))

	rc.send(`{"jsonrpc":"2.0","id":8,"method":"task/list","params":{"pad":"` + strings.Repeat("x", 2000) + `"}}`)
	m = rc.recv()
	assert.EqualValues(t, -32600, errorCode(t, m))
	assert.Contains(t, m["error"].(map[string]any)["message"], "larger than the limit")

	// A response to no request of the server: -32600 for a result; an
	// error response is only ignored, so no error can bounce back and forth.
	rc.send(`{"jsonrpc":"2.0","id":99,"result":{}}`)
	m = rc.recv()
	assert.EqualValues(t, -32600, errorCode(t, m))
	assert.EqualValues(t, 99, m["id"])
	rc.send(`{"jsonrpc":"2.0","id":"r","result":null}`)
	m = rc.recv()
	assert.EqualValues(t, -32600, errorCode(t, m))
	assert.Equal(t, "r", m["id"])
	rc.send(`{"jsonrpc":"2.0","id":98,"error":{"code":-32600,"message":"stray"}}`)

	// Still serving, in order.
	rc.send(`{"jsonrpc":"2.0","id":9,"method":"task/list","params":{}}`)
	m = rc.recv()
	assert.EqualValues(t, 9, m["id"])
	assert.EqualValues(t, -32002, errorCode(t, m))
}

func TestBrokenHeaderEndsTheConnection(t *testing.T) {
	rc := newRawConn(t, 0)
	_, err := io.WriteString(rc.w, "Content-Length: nope\r\n\r\n{}")
	require.NoError(t, err)
	assert.Equal(t, 1, <-rc.done)
	rc.done <- 1
}
