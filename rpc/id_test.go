package rpc

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sourcegraph/jsonrpc2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentls/agentls/internal/lspframe"
)

// Request ids as JSON allows them: every reply carries the id's exact bytes.

// oddIDs are ids jsonrpc2.ID cannot hold as they were sent, beside a few it
// can, each as raw JSON.
var oddIDs = []string{
	`-1`, `0`, `1.5`, `1e3`, `1E+3`, `1.0`, `-0`, `18446744073709551616`, `18446744073709551615`,
	`9223372036854775808`, `9223372036854775807`, `-9007199254740993`, `123456789012345678901234567890.5e-7`,
	`"abc"`, `""`, `"\u0061"`, `"<&>"`, `"é\ud83d\ude00"`, `"\u0000id:-1"`, `"\u0000"`, `"a\"b\\c"`,
}

// idConn is a client that writes frames by hand, to send ids no client
// library would, and reads replies as raw bytes.
type idConn struct {
	t    *testing.T
	w    *io.PipeWriter
	r    *bufio.Reader
	root string
	done chan int
}

// idTestTimeout ends a test whose server stopped answering.
const idTestTimeout = 10 * time.Second

func newIDConn(t *testing.T) *idConn {
	t.Helper()
	serverIn, clientOut := io.Pipe()
	clientIn, serverOut := io.Pipe()
	c := &idConn{t: t, w: clientOut, r: bufio.NewReader(clientIn), root: t.TempDir(), done: make(chan int, 1)}
	require.NoError(t, os.WriteFile(filepath.Join(c.root, "script.json"), []byte(fuzzScript), 0o644))
	go func() {
		code := Serve(context.Background(), serverIn, serverOut, Options{Version: "test"})
		serverOut.Close()
		serverIn.Close()
		c.done <- code
	}()
	// A server that stops answering fails the read instead of hanging it.
	watchdog := time.AfterFunc(idTestTimeout, func() {
		serverOut.CloseWithError(errors.New("no answer in time"))
	})
	t.Cleanup(func() {
		watchdog.Stop()
		clientOut.Close()
		go func() { _, _ = io.Copy(io.Discard, clientIn) }()
		<-c.done
		clientIn.Close()
	})
	return c
}

func (c *idConn) send(bodies ...string) {
	c.t.Helper()
	var b []byte
	for _, body := range bodies {
		b = append(b, lspframe.Frame([]byte(body))...)
	}
	// One write: the server reads pipelined messages from one buffer.
	_, err := c.w.Write(b)
	require.NoError(c.t, err)
}

// request is a request with a raw id.
func request(id, method, params string) string {
	return `{"jsonrpc":"2.0","id":` + id + `,"method":"` + method + `","params":` + params + `}`
}

// recv reads the next reply, skipping notifications, as its raw members.
func (c *idConn) recv() map[string]json.RawMessage {
	c.t.Helper()
	for {
		body, err := lspframe.Read(c.r)
		require.NoError(c.t, err)
		var m map[string]json.RawMessage
		require.NoError(c.t, json.Unmarshal(body, &m), "reply %s", body)
		if _, isNotification := m["method"]; !isNotification {
			return m
		}
	}
}

// errorOf returns a reply's error code, failing the test for a result.
func (c *idConn) errorOf(m map[string]json.RawMessage) int64 {
	c.t.Helper()
	require.Contains(c.t, m, "error", "want an error reply, got %v", m)
	var e jsonrpc2.Error
	require.NoError(c.t, json.Unmarshal(m["error"], &e))
	return e.Code
}

func (c *idConn) initialize() {
	c.t.Helper()
	params, err := json.Marshal(map[string]any{
		"rootUri": (&url.URL{Scheme: "file", Path: c.root}).String(),
		"initializationOptions": map[string]any{
			"model":   map[string]any{"provider": "script", "script": "script.json"},
			"dataDir": c.t.TempDir(),
		},
	})
	require.NoError(c.t, err)
	c.send(request(`"init"`, "initialize", string(params)))
	m := c.recv()
	require.Contains(c.t, m, "result", "initialize failed: %s", m["error"])
	assert.Equal(c.t, `"init"`, string(m["id"]))
}

func TestParseIDKeepsWhatJSONRPC2CanHold(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want *jsonrpc2.ID
	}{
		{``, nil},
		{`null`, nil},
		{`0`, &jsonrpc2.ID{Num: 0}},
		{` 42 `, &jsonrpc2.ID{Num: 42}},
		{`9223372036854775807`, &jsonrpc2.ID{Num: 9223372036854775807}},
		{`"abc"`, &jsonrpc2.ID{Str: "abc", IsString: true}},
		{`""`, &jsonrpc2.ID{IsString: true}},
		{"\"\xff\"", &jsonrpc2.ID{Str: "\ufffd", IsString: true}},
	} {
		id, errText := parseID(json.RawMessage(tc.raw))
		assert.Empty(t, errText, "id %s", tc.raw)
		assert.Equal(t, tc.want, id, "id %s", tc.raw)
	}
	for _, raw := range []string{`-1`, `1.5`, `1e3`, `1.0`, `-0`, `9223372036854775808`, `"\u0061"`, `"<"`, `"\u0000x"`} {
		id, errText := parseID(json.RawMessage(raw))
		assert.Empty(t, errText, "id %s", raw)
		require.NotNil(t, id, "id %s", raw)
		assert.True(t, isSynthetic(id), "id %s needs a synthetic id, got %#v", raw, id)
		assert.Equal(t, raw, string(wireID(id)))
	}
	for _, raw := range []string{`{}`, `{"a":1}`, `[1]`, `true`, `false`} {
		id, errText := parseID(json.RawMessage(raw))
		assert.Nil(t, id, "id %s", raw)
		assert.Contains(t, errText, "string or a number", "id %s", raw)
	}
}

func TestRestoreIDFindsTheIDAnywhere(t *testing.T) {
	id := syntheticID(json.RawMessage(`"<a&b>"`))
	enc, err := json.Marshal(id)
	require.NoError(t, err)
	// jsonrpc2's layout: the id first.
	resp, err := json.Marshal(&jsonrpc2.Response{ID: *id, Result: &[]json.RawMessage{json.RawMessage(`1`)}[0]})
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(resp), `{"id":`+string(enc)), "jsonrpc2 moved the id: %s", resp)
	assert.Equal(t, `{"id":"<a&b>","result":1,"jsonrpc":"2.0"}`, string(restoreID(resp)))
	// Elsewhere, through the slow path.
	moved := []byte(`{"result":"\u0000id:x","id":` + string(enc) + `}`)
	assert.JSONEq(t, `{"result":"\u0000id:x","id":"<a&b>"}`, string(restoreID(moved)))
	assert.Contains(t, string(restoreID(moved)), `"id":"<a&b>"`)
	// A marker in a message with an ordinary id changes nothing.
	plain := []byte(`{"id":3,"result":"\u0000id:-1"}`)
	assert.Equal(t, string(plain), string(restoreID(plain)))
	assert.Equal(t, `{"id":"\u0000id:`, string(restoreID([]byte(`{"id":"\u0000id:`))), "truncated input")
}

func TestEveryIDComesBackAsSent(t *testing.T) {
	c := newIDConn(t)
	// Before initialize: answered with an error, on the read loop.
	for _, id := range oddIDs {
		c.send(request(id, "task/list", `{}`))
		m := c.recv()
		assert.Equal(t, id, string(m["id"]))
		assert.EqualValues(t, CodeServerNotInitialized, c.errorOf(m))
	}
	c.initialize()
	// After: answered with a result, from the request's own goroutine.
	for _, id := range oddIDs {
		c.send(request(id, "task/list", `{}`))
		m := c.recv()
		assert.Equal(t, id, string(m["id"]))
		assert.JSONEq(t, `{"tasks":[]}`, string(m["result"]), "id %s", id)
	}
	// Synchronous methods too.
	for _, id := range oddIDs {
		c.send(request(id, "task/get", `{"taskId":"nope"}`))
		m := c.recv()
		assert.Equal(t, id, string(m["id"]))
		assert.EqualValues(t, jsonrpc2.CodeInvalidParams, c.errorOf(m))
		c.send(request(id, "no/such/method", `{}`))
		m = c.recv()
		assert.Equal(t, id, string(m["id"]))
		assert.EqualValues(t, jsonrpc2.CodeMethodNotFound, c.errorOf(m))
	}
}

func TestPipelinedOddIDsEachGetTheirOwnReply(t *testing.T) {
	c := newIDConn(t)
	c.initialize()
	bodies := make([]string, len(oddIDs))
	for i, id := range oddIDs {
		bodies[i] = request(id, "task/list", `{}`)
	}
	c.send(bodies...)
	// task/list runs on its own goroutine: replies come in any order.
	var got []string
	for range oddIDs {
		m := c.recv()
		assert.Contains(t, m, "result")
		got = append(got, string(m["id"]))
	}
	assert.ElementsMatch(t, oddIDs, got)
}

func TestStreamErrorsCarryTheRawID(t *testing.T) {
	c := newIDConn(t)
	for _, tc := range []struct {
		body string
		code int64
		id   string
	}{
		{`{"jsonrpc":"2.0","id":-1,"method":`, jsonrpc2.CodeParseError, `null`},
		{`{"jsonrpc":"2.0","id":-1,"method":5}`, jsonrpc2.CodeInvalidRequest, `-1`},
		{`{"jsonrpc":"1.0","id":1.5,"method":"task/list"}`, jsonrpc2.CodeInvalidRequest, `1.5`},
		{`{"id":18446744073709551616}`, jsonrpc2.CodeInvalidRequest, `18446744073709551616`},
		{`{"id":"<&>","method":"m","params":3}`, jsonrpc2.CodeInvalidRequest, `"<&>"`},
		{`{"id":"\u0000id:7","method":"m","result":1}`, jsonrpc2.CodeInvalidRequest, `"\u0000id:7"`},
		{`{"id":{"n":1},"method":"task/list"}`, jsonrpc2.CodeInvalidRequest, `null`},
		{`{"id":[1],"method":"task/list"}`, jsonrpc2.CodeInvalidRequest, `null`},
		{`{"id":true,"method":"task/list"}`, jsonrpc2.CodeInvalidRequest, `null`},
		{`42`, jsonrpc2.CodeInvalidRequest, `null`},
	} {
		c.send(tc.body)
		m := c.recv()
		assert.Equal(t, tc.code, c.errorOf(m), "body %s", tc.body)
		assert.Equal(t, tc.id, string(m["id"]), "body %s", tc.body)
	}
	// Other spellings of the key do not stand in for the id.
	c.send(`{"jsonrpc":"2.0","ID":5,"Id":"x","iD":6,"id":-3,"method":"task/list","params":{}}`)
	m := c.recv()
	assert.Equal(t, `-3`, string(m["id"]))
	assert.EqualValues(t, CodeServerNotInitialized, c.errorOf(m))
	// A client result for an id the server never used is answered -32600
	// with that id; an error response to one is ignored.
	c.send(`{"jsonrpc":"2.0","id":-1,"result":null}`, `{"jsonrpc":"2.0","id":"\u0000id:1","error":{"code":1,"message":"x"}}`,
		request(`-2.5`, "task/list", `{}`))
	m = c.recv()
	assert.Equal(t, `-1`, string(m["id"]))
	assert.EqualValues(t, jsonrpc2.CodeInvalidRequest, c.errorOf(m))
	m = c.recv()
	assert.Equal(t, `-2.5`, string(m["id"]))
	assert.EqualValues(t, CodeServerNotInitialized, c.errorOf(m))
}

// TestCancelRequestFindsAnOddID cancels a request that waits until it is
// cancelled. No real method waits for long enough to be cancelled on cue, so
// the test adds one to the dispatch table for its duration (the package's
// tests do not run in parallel).
func TestCancelRequestFindsAnOddID(t *testing.T) {
	const name = "test/waitForCancel"
	started := make(chan string, 4)
	stopped := make(chan string, 4)
	release := make(chan struct{}) // ends a wait the test gave up on
	methods[name] = method{async: true, call: func(ctx context.Context, _ *server, params json.RawMessage) (any, func(), error) {
		var p struct{ Tag string }
		_ = json.Unmarshal(params, &p)
		started <- p.Tag
		select {
		case <-ctx.Done():
		case <-release:
		}
		stopped <- p.Tag
		return nil, nil, ctx.Err()
	}}
	// Cleanups run last first: every wait is released, then the server
	// ends, then the method leaves the table.
	t.Cleanup(func() { delete(methods, name) })
	c := newIDConn(t)
	t.Cleanup(func() { close(release) })
	c.initialize()

	for _, id := range []string{`-9007199254740993`, `1.5`, `1e3`, `"\u0061"`, `"<&>"`, `"\u0000id:1"`, `18446744073709551616`, `7`, `"x"`} {
		tag := "req" + id
		p, err := json.Marshal(map[string]string{"tag": tag})
		require.NoError(t, err)
		c.send(request(id, name, string(p)))
		require.Equal(t, tag, <-started)

		// Ids spelled otherwise cancel nothing. The next synchronous
		// request is answered after the notification was handled.
		for _, other := range []string{`"` + strings.Trim(id, `"`) + `"`, `-1`, `1.50`} {
			if other == id {
				continue
			}
			c.send(`{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":`+other+`}}`, request(`"sync"`, "no/such/method", `{}`))
			m := c.recv()
			require.Equal(t, `"sync"`, string(m["id"]), "only the synchronous request may be answered")
			select {
			case s := <-stopped:
				t.Fatalf("%s was cancelled by id %s", s, other)
			default:
			}
		}

		c.send(`{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":` + id + `}}`)
		m := c.recv()
		assert.Equal(t, id, string(m["id"]))
		assert.EqualValues(t, CodeRequestCancelled, c.errorOf(m))
		assert.Equal(t, tag, <-stopped)
	}
}
