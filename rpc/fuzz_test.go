package rpc

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/sourcegraph/jsonrpc2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentls/agentls/internal/lspframe"
	"github.com/agentls/agentls/rpc/rpcclient"
)

// Fuzz targets of the wire layer. Seeds live in testdata/fuzz/<target>;
// .ci/fuzz runs each target for a few seconds, and `go test ./rpc/` replays
// the seeds (and anything a fuzzer found) as regression tests.

// fuzzMaxBody is small, so that the fuzzer reaches the size limit.
const fuzzMaxBody = 512

// frame wraps body in LSP base-protocol framing.
var frame = lspframe.Frame

// streamEvent is one outcome of the read loop: a message handed to the
// connection, or an error reply the stream wrote itself.
type streamEvent struct {
	msg   json.RawMessage
	reply *wireReply
}

// wireReply is an error reply as it appears on the wire.
type wireReply struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Error   *jsonrpc2.Error `json:"error"`
	Result  json.RawMessage `json:"result"`
}

// readAll runs the read loop over input to its end and returns its outcomes
// in order and the error that ended it.
func readAll(t *testing.T, input []byte) ([]streamEvent, error) {
	t.Helper()
	var out bytes.Buffer
	s := newStream(bytes.NewReader(input), &out, nil, fuzzMaxBody)
	close(s.ready)
	var events []streamEvent
	var end error
	// Every pass consumes at least one byte, so more passes than bytes
	// means the loop spins.
	for pass := 0; ; pass++ {
		require.LessOrEqual(t, pass, len(input)+1, "the read loop does not advance")
		var msg json.RawMessage
		err := s.ReadObject(&msg)
		for _, r := range takeReplies(t, &out) {
			events = append(events, streamEvent{reply: r})
		}
		if err != nil {
			end = err
			break
		}
		// The message as the client sent it: ids jsonrpc2 cannot hold
		// reach the connection as synthetic ones.
		events = append(events, streamEvent{msg: asSent(msg)})
	}
	return events, end
}

// asSent undoes the stream's id mapping in a message it passed on: the
// message's own id, and the id a $/cancelRequest names.
func asSent(msg json.RawMessage) json.RawMessage {
	return rewriteCancelID(restoreID(msg), func(raw json.RawMessage) (json.RawMessage, bool) {
		id := cancelledID(raw)
		return wireID(id), isSynthetic(id)
	})
}

// takeReplies parses and removes the frames written to out. The stream's
// own output must be exact: well-framed error replies only.
func takeReplies(t *testing.T, out *bytes.Buffer) []*wireReply {
	t.Helper()
	var replies []*wireReply
	r := bufio.NewReader(out)
	for {
		header, err := r.ReadString('\n')
		if errors.Is(err, io.EOF) && header == "" {
			return replies
		}
		require.NoError(t, err)
		n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(header, "Content-Length: ")))
		require.NoError(t, err, "reply header %q", header)
		blank, err := r.ReadString('\n')
		require.NoError(t, err)
		require.Equal(t, "\r\n", blank)
		body := make([]byte, n)
		_, err = io.ReadFull(r, body)
		require.NoError(t, err)
		var reply wireReply
		require.NoError(t, json.Unmarshal(body, &reply), "reply %s", body)
		require.Equal(t, "2.0", reply.JSONRPC)
		require.NotNil(t, reply.Error, "the stream only writes errors: %s", body)
		require.Nil(t, reply.Result)
		require.Contains(t, []int64{jsonrpc2.CodeParseError, jsonrpc2.CodeInvalidRequest}, reply.Error.Code)
		require.NotEmpty(t, reply.Error.Message)
		replies = append(replies, &reply)
	}
}

// wantOutcome checks one event against what a well-framed body deserves.
func wantOutcome(t *testing.T, body []byte, ev streamEvent) {
	t.Helper()
	if len(body) > fuzzMaxBody {
		require.NotNil(t, ev.reply, "an oversized body must be answered")
		assert.EqualValues(t, jsonrpc2.CodeInvalidRequest, ev.reply.Error.Code)
		assert.Equal(t, "null", string(ev.reply.ID))
		return
	}
	id, code, _ := classify(body)
	if code != 0 {
		require.NotNil(t, ev.reply, "body %q must be answered with %d", body, code)
		assert.Equal(t, code, ev.reply.Error.Code)
		assert.Equal(t, idJSON(id), string(ev.reply.ID))
		return
	}
	if ev.reply != nil {
		// Valid by classify, refused by the decoder: answered as an
		// invalid request, to its id.
		assert.EqualValues(t, jsonrpc2.CodeInvalidRequest, ev.reply.Error.Code)
		assert.Equal(t, idJSON(id), string(ev.reply.ID))
		return
	}
	assert.JSONEq(t, string(body), string(ev.msg))
}

func idJSON(id *jsonrpc2.ID) string {
	return string(wireID(id))
}

// FuzzStream feeds the framing layer two well-framed bodies and then raw
// bytes. It must never panic or spin; each well-framed body yields exactly
// one outcome, in order (the message, or an error reply to its id); the
// raw tail yields only valid messages and error replies; and the loop ends
// only at the end of input (EOF) or on a header it cannot get past.
func FuzzStream(f *testing.F) {
	f.Add([]byte(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}`), []byte(`{"jsonrpc":"2.0","method":"exit"}`), []byte(nil))
	f.Add([]byte(`{oops`), []byte(`[1,2]`), frame([]byte(`42`)))
	f.Add([]byte(`{"id":"x","result":null}`), []byte(`{"jsonrpc":"1.0","id":7,"method":"m"}`), []byte("Content-Length: 3\r\n\r\n{}}"))
	f.Add([]byte(`{"id":-1,"method":"m"}`), []byte(`{"method":"m","params":3}`), []byte("Content-Length: 99999\r\n\r\n"))
	f.Add([]byte(`{"method":"m","Result":1}`), []byte(`{"id":{},"method":"m"}`), []byte("\r\n\r\nX-Other: y\r\ncontent-length: 2\r\n\r\n{}"))
	f.Add([]byte(strings.Repeat("x", fuzzMaxBody+1)), []byte(`{"id":1,"error":{"code":1,"message":"m"}}`), []byte("Content-Length: -1\r\n\r\n"))
	f.Add([]byte(`{"method":"m"}`), []byte(`null`), []byte("no colon here\r\n\r\n"))
	f.Fuzz(func(t *testing.T, first, second, tail []byte) {
		input := slices.Concat(frame(first), frame(second), tail)
		events, end := readAll(t, input)
		require.Error(t, end)
		require.GreaterOrEqual(t, len(events), 2, "each well-framed body has an outcome")
		wantOutcome(t, first, events[0])
		wantOutcome(t, second, events[1])
		for _, ev := range events[2:] {
			if ev.msg != nil {
				_, code, msg := classify(ev.msg)
				assert.Zero(t, code, "an invalid message reached the connection: %s", msg)
			}
		}
		if len(tail) == 0 {
			assert.ErrorIs(t, end, io.EOF)
			assert.Len(t, events, 2)
		}
	})
}

// FuzzClassify checks the message classifier on arbitrary bodies: a parse
// error exactly for invalid JSON, and acceptance only of a JSON-RPC request,
// notification or response with a usable id.
func FuzzClassify(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}`,
		`{"jsonrpc":"2.0","method":"initialized"}`,
		`{"jsonrpc":"2.0","id":"a","result":{}}`,
		`{"jsonrpc":"2.0","id":3,"error":{"code":-1,"message":"x"}}`,
		`{"jsonrpc":"2.0","id":1.5,"method":"m"}`,
		`{"id":null,"result":1}`,
		`{"method":""}`,
		`{"method":"m","result":1}`,
		`{"method":"m","params":"s"}`,
		`[{"method":"m"}]`,
		`"just a string"`,
		`{"a":1}{"b":2}`,
		" \t\r\n{\"method\":\"m\"} ",
		`{"jsonrpc":2,"method":"m"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		id, code, msg := classify(body)
		require.Contains(t, []int64{0, jsonrpc2.CodeParseError, jsonrpc2.CodeInvalidRequest}, code)
		assert.Equal(t, !json.Valid(body), code == jsonrpc2.CodeParseError, "parse error exactly for invalid JSON")
		if code != 0 {
			assert.NotEmpty(t, msg)
		}
		if id != nil {
			var m map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(body, &m), "an id from a body that is no object")
			raw := bytes.TrimSpace(m["id"])
			if utf8.Valid(raw) {
				assert.Equal(t, string(raw), string(wireID(id)), "the id must come back as it was sent")
			}
			if !isSynthetic(id) {
				var again jsonrpc2.ID
				require.NoError(t, json.Unmarshal(raw, &again), "the id %s must decode as jsonrpc2 decodes it", raw)
				assert.Equal(t, *id, again)
			}
		}
		if code != 0 {
			return
		}
		var m map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(body, &m))
		if v, ok := m["jsonrpc"]; ok {
			assert.JSONEq(t, `"2.0"`, string(v))
		}
		var method string
		if raw, ok := m["method"]; ok {
			require.NoError(t, json.Unmarshal(raw, &method))
			assert.NotEmpty(t, method)
			assert.NotContains(t, m, "result")
			assert.NotContains(t, m, "error")
			return
		}
		assert.NotNil(t, id, "a response needs an id")
	})
}

// fuzzScript completes every task at once.
const fuzzScript = `{"conversations":[{"match":"","turns":[
 {"toolCalls":[{"name":"attempt_completion","arguments":{"result":"done"}}]},
 {"toolCalls":[{"name":"attempt_completion","arguments":{"result":"again"}}]}]}]}`

// fuzzMethods lists every request method of the dispatch table, then the
// notifications the server reads, each a target for random params.
func fuzzMethods() []string {
	var names []string
	for name := range methods {
		names = append(names, name)
	}
	slices.Sort(names)
	return append(names, "$/cancelRequest", "window/workDoneProgress/cancel", "initialized", "$/setTrace")
}

// taskPlaceholder in fuzzed params is replaced with the id of a real,
// completed task, so that the fuzzer reaches past the unknown-id checks.
const taskPlaceholder = "$TASK"

// FuzzParams sends random params to each method of a real server over
// pipes: every request must be answered, with a result or one of the
// protocol's errors (never an internal error, which is how a recovered
// panic shows), and the server must go on serving and then end cleanly.
func FuzzParams(f *testing.F) {
	names := fuzzMethods()
	index := func(name string) uint8 { return uint8(slices.Index(names, name)) }
	seeds := []struct {
		method string
		params string
	}{
		{"initialize", `{"rootUri":"file:///nonexistent","initializationOptions":{}}`},
		{"initialize", `{"capabilities":{"window":{"workDoneProgress":"yes"}}}`},
		{"initialize", `{"initializationOptions":{"background":{"maxConcurrent":0,"timeoutSeconds":1e308},"autoApprove":["all"]}}`},
		{"initialize", `{"initializationOptions":{"model":{"provider":"script","script":"missing.json"},"dataDir":" "}}`},
		{"initialize", `[]`},
		{"task/start", `{"text":"hello","mode":"ask","title":"t"}`},
		{"task/start", `{"text":"  ","mode":"nope"}`},
		{"task/start", `{"text":1}`},
		{"task/reply", `{"taskId":"$TASK","text":"more"}`},
		{"task/reply", `{"taskId":"nope","text":""}`},
		{"task/cancel", `{"taskId":"$TASK"}`},
		{"task/list", `{}`},
		{"task/list", `null`},
		{"task/get", `{"taskId":"$TASK"}`},
		{"task/get", `{"taskId":["x"]}`},
		{"task/resume", `{"taskId":"$TASK"}`},
		{"background/list", `[1]`},
		{"background/cancel", `{"taskId":"$TASK"}`},
		{"workspace/executeCommand", `{"command":"agentls.startTask","arguments":[{"text":"go"}]}`},
		{"workspace/executeCommand", `{"command":"agentls.reply","arguments":[{"taskId":"$TASK","text":"x"}]}`},
		{"workspace/executeCommand", `{"command":"agentls.listBackground","arguments":[]}`},
		{"workspace/executeCommand", `{"command":"agentls.cancelTask","arguments":[5]}`},
		{"workspace/executeCommand", `{"command":"rm -rf"}`},
		{"shutdown", `{}`},
		{"$/cancelRequest", `{"id":1}`},
		{"$/cancelRequest", `{"id":{"x":1}}`},
		{"window/workDoneProgress/cancel", `{"token":"agentls-x"}`},
		{"initialized", `{}`},
	}
	for _, s := range seeds {
		f.Add(index(s.method), []byte(s.params))
	}
	f.Fuzz(func(t *testing.T, which uint8, params []byte) {
		method := names[int(which)%len(names)]
		if !json.Valid(params) {
			// Still a string, so that the message itself is valid JSON
			// and reaches the method.
			params, _ = json.Marshal(string(params))
		}
		fuzzOneCall(t, method, params)
	})
}

// fuzzConn is a client connected to an in-process server.
type fuzzConn struct {
	t    *testing.T
	c    *rpcclient.Client
	root string
	data string
	done chan int
	ctx  context.Context
}

func newFuzzConn(t *testing.T) *fuzzConn {
	root := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(root, "script.json"), []byte(fuzzScript), 0o644))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	fc := &fuzzConn{t: t, root: root, data: t.TempDir(), done: make(chan int, 1), ctx: ctx}
	serverIn, clientOut := io.Pipe()
	clientIn, serverOut := io.Pipe()
	go func() {
		code := Serve(context.Background(), serverIn, serverOut, Options{Version: "fuzz"})
		serverOut.Close()
		serverIn.Close()
		fc.done <- code
	}()
	fc.c = rpcclient.New(clientIn, clientOut, rpcclient.Options{})
	t.Cleanup(func() {
		_ = fc.c.Close()
		select {
		case <-fc.done:
		case <-time.After(20 * time.Second):
			t.Error("the server did not end after the client closed")
		}
	})
	return fc
}

// call sends a request and fails the test unless it is answered with a
// result or an expected protocol error; it returns the error code (0 for a
// result).
func (fc *fuzzConn) call(method string, params json.RawMessage) int64 {
	fc.t.Helper()
	err := fc.c.Call(fc.ctx, method, params, nil)
	if err == nil {
		return 0
	}
	var we *jsonrpc2.Error
	require.ErrorAs(fc.t, err, &we, "%s %s was not answered", method, params)
	require.Contains(fc.t, []int64{
		jsonrpc2.CodeInvalidRequest, jsonrpc2.CodeInvalidParams, CodeRequestFailed, CodeServerNotInitialized,
	}, we.Code, "%s %s: unexpected error %d %q", method, params, we.Code, we.Message)
	fc.t.Logf("%s: %d %s", method, we.Code, we.Message)
	return we.Code
}

// rootURI is the root as a file URI; the fuzzer's directory names hold
// '#', which a URI must escape.
func (fc *fuzzConn) rootURI() string {
	return (&url.URL{Scheme: "file", Path: fc.root}).String()
}

func (fc *fuzzConn) initParams() json.RawMessage {
	b, _ := json.Marshal(map[string]any{
		"rootUri": fc.rootURI(),
		"initializationOptions": map[string]any{
			"model":   map[string]any{"provider": "script", "script": "script.json"},
			"dataDir": fc.data,
		},
	})
	return b
}

// confine keeps fuzzed initialize params inside the test's directories:
// the workspace root is always the test's, and a dataDir string is
// replaced, so that no input makes the server write outside them. Values of
// the wrong type are left alone, to reach the type errors.
func (fc *fuzzConn) confine(params json.RawMessage) json.RawMessage {
	var p map[string]json.RawMessage
	if json.Unmarshal(params, &p) != nil || p == nil {
		return params
	}
	delete(p, "workspaceFolders")
	delete(p, "rootPath")
	p["rootUri"], _ = json.Marshal(fc.rootURI())
	var opts map[string]json.RawMessage
	if json.Unmarshal(p["initializationOptions"], &opts) == nil && opts != nil {
		var dir string
		if json.Unmarshal(opts["dataDir"], &dir) == nil {
			opts["dataDir"], _ = json.Marshal(fc.data)
		}
		p["initializationOptions"], _ = json.Marshal(opts)
	}
	b, _ := json.Marshal(p)
	return b
}

// seedTask starts a task and waits for it to complete, returning its id.
func (fc *fuzzConn) seedTask() string {
	var res StartResult
	require.NoError(fc.t, fc.c.Call(fc.ctx, "task/start", map[string]any{"text": "seed task"}, &res))
	_, _, err := fc.c.WaitFor(fc.ctx, 0, func(ev rpcclient.Event) bool {
		var p TaskStateParams
		return ev.Method == "task/state" && json.Unmarshal(ev.Params, &p) == nil &&
			p.Task.TaskID == res.TaskID && p.Task.Status.Final()
	})
	require.NoError(fc.t, err)
	return res.TaskID
}

func fuzzOneCall(t *testing.T, method string, params json.RawMessage) {
	fc := newFuzzConn(t)
	isNotification := strings.HasPrefix(method, "$/") || method == "initialized" || method == "window/workDoneProgress/cancel"
	shutDown := false
	if method == "initialize" {
		if fc.call("initialize", fc.confine(params)) != 0 {
			// A refused initialize leaves the server uninitialized and
			// serving: a proper one still works.
			require.Zero(t, fc.call("initialize", fc.initParams()))
		}
	} else {
		require.Zero(t, fc.call("initialize", fc.initParams()))
		if bytes.Contains(params, []byte(taskPlaceholder)) {
			id := fc.seedTask()
			params = bytes.ReplaceAll(params, []byte(taskPlaceholder), []byte(id))
		}
		if isNotification {
			require.NoError(t, fc.c.Notify(fc.ctx, method, params))
		} else {
			code := fc.call(method, params)
			assert.NotEqual(t, jsonrpc2.CodeInvalidRequest, code, "a known method before shutdown")
			shutDown = method == "shutdown" && code == 0
		}
	}
	// The server goes on serving.
	if shutDown {
		assert.EqualValues(t, jsonrpc2.CodeInvalidRequest, fc.call("background/list", nil))
	} else {
		assert.Zero(t, fc.call("background/list", nil), "the server stopped serving after %s %s", method, params)
		require.Zero(t, fc.call("shutdown", nil))
	}
	require.NoError(t, fc.c.Notify(fc.ctx, "exit", nil))
	select {
	case code := <-fc.done:
		fc.done <- code
		assert.Zero(t, code, "exit after shutdown")
	case <-fc.ctx.Done():
		t.Fatalf("the server did not exit after %s %s", method, params)
	}
}
