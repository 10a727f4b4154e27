package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/sourcegraph/jsonrpc2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentls/agentls/internal/lspframe"
)

// wire speaks raw LSP frames to a spawned agentls, for tests that need
// more control over the byte stream than a JSON-RPC client gives: frames
// larger than any client would send, or thousands sent without waiting.
type wire struct {
	t  *testing.T
	p  *proc
	ws *workspace
	r  *bufio.Reader
}

func dial(t *testing.T, ws *workspace) *wire {
	t.Helper()
	p := spawn(t, ws)
	return &wire{t: t, p: p, ws: ws, r: bufio.NewReader(p.stdout)}
}

// response is any message from the server, as it is on the wire.
type response struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Result json.RawMessage `json:"result"`
	Error  *jsonrpc2.Error `json:"error"`
}

var frame = lspframe.Frame

func request(id any, method string, params any) []byte {
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
	if err != nil {
		panic(err)
	}
	return frame(body)
}

func (w *wire) send(b []byte) {
	w.t.Helper()
	_, err := w.p.stdin.Write(b)
	require.NoError(w.t, err)
}

// recv reads the next message the server sends. A deadline on the pipe
// bounds the wait, so a server that says nothing fails the test.
func (w *wire) recv() response {
	w.t.Helper()
	require.NoError(w.t, w.p.stdout.SetReadDeadline(time.Now().Add(testTimeout)))
	body, err := lspframe.Read(w.r)
	require.NoError(w.t, err, "reading a frame")
	var resp response
	require.NoError(w.t, json.Unmarshal(body, &resp), "%s", body)
	return resp
}

// reply reads messages until the reply to a request with the id.
func (w *wire) reply(id string) response {
	w.t.Helper()
	for {
		r := w.recv()
		if r.Method == "" && string(r.ID) == id {
			return r
		}
	}
}

func (w *wire) initialize() {
	w.t.Helper()
	w.send(request(0, "initialize", map[string]any{
		"rootUri": "file://" + w.ws.root,
		"initializationOptions": map[string]any{
			"model":   map[string]any{"provider": "script", "script": "script.json"},
			"dataDir": w.ws.data,
		},
	}))
	r := w.reply("0")
	require.Nil(w.t, r.Error)
	w.send(frame([]byte(`{"jsonrpc":"2.0","method":"initialized","params":{}}`)))
}

func (w *wire) shutdown() int {
	w.t.Helper()
	w.send(request("bye", "shutdown", nil))
	require.Nil(w.t, w.reply(`"bye"`).Error)
	w.send(frame([]byte(`{"jsonrpc":"2.0","method":"exit"}`)))
	return w.p.exitCode()
}

const idleScript = `{"conversations":[{"match":"","turns":[{"toolCalls":[{"name":"attempt_completion","arguments":{"result":"ok"}}]}]}]}`

// TestOversizedMessageIsRefused: a message over the 64 MiB limit is
// skipped with an error reply, and the server answers the next request.
func TestOversizedMessageIsRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 65 MiB")
	}
	ws := newWorkspace(t, map[string]string{"script.json": idleScript})
	w := dial(t, ws)
	w.initialize()

	// Built by hand: encoding 65 MiB as JSON is slow under -race.
	head, tail := `{"jsonrpc":"2.0","id":1,"method":"task/list","params":{"pad":"`, `"}}`
	body := make([]byte, 0, len(head)+65<<20+len(tail))
	body = append(body, head...)
	body = append(body, bytes.Repeat([]byte{'x'}, 65<<20)...)
	big := frame(append(body, tail...))
	sent := make(chan error, 1)
	go func() { // the server reads while we write
		_, err := w.p.stdin.Write(big)
		sent <- err
	}()
	r := w.recv()
	require.NoError(t, <-sent)
	require.NotNil(t, r.Error, "the oversized message is refused")
	assert.Equal(t, "null", string(r.ID), "its id was never read")
	assert.Equal(t, int64(jsonrpc2.CodeInvalidRequest), r.Error.Code)
	assert.Contains(t, r.Error.Message, "larger than the limit")

	w.send(request(2, "task/list", map[string]any{}))
	r = w.reply("2")
	require.Nil(t, r.Error)
	assert.JSONEq(t, `{"tasks":[]}`, string(r.Result))
	assert.Equal(t, 0, w.shutdown())
}

// TestPipelinedRequests: 10,000 requests sent without waiting for any
// answer are all answered, each exactly once, with the right id and the
// right answer for its method.
func TestPipelinedRequests(t *testing.T) {
	const n = 10000
	ws := newWorkspace(t, map[string]string{"script.json": idleScript})
	w := dial(t, ws)
	w.initialize()

	// A mix of quick and concurrent methods, successes and errors, with
	// numeric and string ids.
	type expect struct {
		method string
		code   int64 // 0: a result
	}
	want := map[string]expect{}
	var stream []byte
	for i := range n {
		var id any = i + 1
		if i%3 == 0 {
			id = fmt.Sprintf("req-%d", i)
		}
		key, _ := json.Marshal(id)
		var e expect
		switch i % 5 {
		case 0:
			e = expect{method: "task/list"}
			stream = append(stream, request(id, e.method, map[string]any{})...)
		case 1:
			e = expect{method: "background/list"}
			stream = append(stream, request(id, e.method, nil)...)
		case 2:
			e = expect{method: "task/get", code: jsonrpc2.CodeInvalidParams}
			stream = append(stream, request(id, e.method, map[string]any{"taskId": fmt.Sprintf("00000000-0000-0000-0000-%012d", i)})...)
		case 3:
			e = expect{method: "no/such/method", code: jsonrpc2.CodeMethodNotFound}
			stream = append(stream, request(id, e.method, map[string]any{})...)
		case 4:
			e = expect{method: "workspace/executeCommand"}
			stream = append(stream, request(id, e.method, map[string]any{"command": "agentls.listBackground", "arguments": []any{map[string]any{}}})...)
		}
		want[string(key)] = e
	}
	sent := make(chan error, 1)
	go func() {
		_, err := w.p.stdin.Write(stream)
		sent <- err
	}()

	seen := map[string]bool{}
	for len(seen) < n {
		r := w.recv()
		if r.Method != "" {
			continue // a notification
		}
		id := string(r.ID)
		e, ok := want[id]
		require.True(t, ok, "reply to an id never sent: %s", id)
		require.False(t, seen[id], "second reply to %s", id)
		seen[id] = true
		if e.code == 0 {
			if assert.Nil(t, r.Error, "%s %s", e.method, id) {
				assert.JSONEq(t, `{"tasks":[]}`, string(r.Result), "%s %s", e.method, id)
			}
		} else if assert.NotNil(t, r.Error, "%s %s", e.method, id) {
			assert.Equal(t, e.code, r.Error.Code, "%s %s: %s", e.method, id, r.Error.Message)
		}
	}
	require.NoError(t, <-sent)
	assert.Equal(t, 0, w.shutdown())
}
