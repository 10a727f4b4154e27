package model

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newTestOpenAI(f *fakeServer, retry RetryPolicy) *OpenAI {
	return NewOpenAI(OpenAIOptions{Model: "gpt-4.1", BaseURL: f.srv.URL + "/v1", HTTPClient: f.srv.Client(), Retry: retry})
}

var simpleRequest = Request{TaskID: "t1", System: "You are a test.", Messages: []Message{{Role: RoleUser, Text: "Does it build?"}}}

// collect returns an onText that records the deltas.
func collect(deltas *[]string) func(string) {
	return func(d string) { *deltas = append(*deltas, d) }
}

func TestOpenAIStreamsText(t *testing.T) {
	f := newFakeServer(t, sse(fixture(t, "openai_text.sse")))
	var deltas []string
	resp, err := newTestOpenAI(f, RetryPolicy{}).Complete(context.Background(), simpleRequest, collect(&deltas))
	require.NoError(t, err)

	assert.Equal(t, []string{"Hello", "!", " The", " project", " builds", " cleanly", "."}, deltas)
	assert.Equal(t, Response{Text: "Hello! The project builds cleanly.", Usage: Usage{InputTokens: 57, OutputTokens: 12}, StopReason: "stop"}, resp)

	reqs := f.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "/v1/chat/completions", reqs[0].Path)
	assert.Empty(t, reqs[0].Header.Get("Authorization"), "no key, no auth header")
	var body struct {
		Model         string          `json:"model"`
		Stream        bool            `json:"stream"`
		StreamOptions json.RawMessage `json:"stream_options"`
		Messages      json.RawMessage `json:"messages"`
		Tools         json.RawMessage `json:"tools"`
	}
	require.NoError(t, json.Unmarshal([]byte(reqs[0].Body), &body))
	assert.Equal(t, "gpt-4.1", body.Model)
	assert.True(t, body.Stream)
	assert.JSONEq(t, `{"include_usage":true}`, string(body.StreamOptions))
	assert.JSONEq(t, `[{"role":"system","content":"You are a test."},{"role":"user","content":"Does it build?"}]`, string(body.Messages))
	assert.Empty(t, body.Tools, "no tools offered, none sent")
}

func TestOpenAITextAndTwoToolCalls(t *testing.T) {
	f := newFakeServer(t, sse(fixture(t, "openai_tools.sse")))
	var deltas []string
	resp, err := newTestOpenAI(f, RetryPolicy{}).Complete(context.Background(), simpleRequest, collect(&deltas))
	require.NoError(t, err)

	assert.Equal(t, "Let me read both files.", strings.Join(deltas, ""))
	assert.Equal(t, "Let me read both files.", resp.Text)
	assert.Equal(t, "tool_calls", resp.StopReason)
	assert.Equal(t, Usage{InputTokens: 812, OutputTokens: 64}, resp.Usage, "from the usage-only last chunk")
	assertTheTwoToolCalls(t, resp.ToolCalls, "call_Xk2Lr9", "call_P0q7Wm")
}

func TestOpenAISendsHistoryAndTools(t *testing.T) {
	f := newFakeServer(t, sse(fixture(t, "openai_text.sse")))
	req := Request{
		System: "sys",
		Messages: []Message{
			{Role: RoleUser, Text: "Fix the build."},
			{Role: RoleAssistant, Text: "Looking.", ToolCalls: []ToolCall{
				{ID: "call_1", Name: "read_file", Arguments: json.RawMessage(`{"path":"a.go"}`)},
				{ID: "call_2", Name: "list_files", Arguments: nil},
			}},
			{Role: RoleTool, ToolCallID: "call_1", ToolName: "read_file", Text: "package a"},
			{Role: RoleTool, ToolCallID: "call_2", ToolName: "list_files", Text: "no such directory", IsError: true},
			{Role: RoleAssistant}, // an empty answer is left out
			{Role: RoleUser, Text: "Go on."},
		},
		Tools: []ToolDef{
			{Name: "read_file", Description: "Read a file.", InputSchema: json.RawMessage(`{"type":"object","properties":{"path":{"type":"string"}},"required":["path"]}`)},
			{Name: "list_files"},
		},
	}
	_, err := newTestOpenAI(f, RetryPolicy{}).Complete(context.Background(), req, nil)
	require.NoError(t, err)

	var body struct {
		Messages json.RawMessage `json:"messages"`
		Tools    json.RawMessage `json:"tools"`
	}
	require.NoError(t, json.Unmarshal([]byte(f.requests()[0].Body), &body))
	assert.JSONEq(t, `[
		{"role":"system","content":"sys"},
		{"role":"user","content":"Fix the build."},
		{"role":"assistant","content":"Looking.","tool_calls":[
			{"id":"call_1","type":"function","function":{"name":"read_file","arguments":"{\"path\":\"a.go\"}"}},
			{"id":"call_2","type":"function","function":{"name":"list_files","arguments":"{}"}}]},
		{"role":"tool","tool_call_id":"call_1","content":"package a"},
		{"role":"tool","tool_call_id":"call_2","content":"Error: no such directory"},
		{"role":"user","content":"Go on."}
	]`, string(body.Messages))
	assert.JSONEq(t, `[
		{"type":"function","function":{"name":"read_file","description":"Read a file.",
			"parameters":{"type":"object","properties":{"path":{"type":"string"}},"required":["path"]}}},
		{"type":"function","function":{"name":"list_files","parameters":{"type":"object","properties":{}}}}
	]`, string(body.Tools))
}

func TestOpenAIBadToolSchemaFailsBeforeSending(t *testing.T) {
	f := newFakeServer(t, sse(fixture(t, "openai_text.sse")))
	req := simpleRequest
	req.Tools = []ToolDef{{Name: "broken", InputSchema: json.RawMessage(`[1,2]`)}}
	_, err := newTestOpenAI(f, RetryPolicy{}).Complete(context.Background(), req, nil)
	require.EqualError(t, err, `openai: tool "broken": input schema is not a JSON object`)
	assert.Empty(t, f.requests())
}

// chunk is one OpenAI streaming chunk as an SSE event.
func chunk(choices string) string {
	return `data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":` + choices + "}\n\n"
}

func TestOpenAIToolCallQuirksOfLocalServers(t *testing.T) {
	// Every call at index 0 with its own id (some servers), one call
	// without an id, arguments in one piece, and no usage at all.
	stream := chunk(`[{"index":0,"delta":{"role":"assistant","tool_calls":[{"index":0,"id":"a","type":"function","function":{"name":"read_file","arguments":"{\"path\":\"x\"}"}}]}}]`) +
		chunk(`[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"b","type":"function","function":{"name":"list_files","arguments":""}}]}}]`) +
		chunk(`[{"index":0,"delta":{"tool_calls":[{"index":2,"type":"function","function":{"name":"search_files","arguments":"not json"}}]}}]`) +
		chunk(`[{"index":0,"delta":{},"finish_reason":"tool_calls"}]`) +
		"data: [DONE]\n\n"
	f := newFakeServer(t, sse(stream))
	resp, err := newTestOpenAI(f, RetryPolicy{}).Complete(context.Background(), simpleRequest, nil)
	require.NoError(t, err)
	assert.Equal(t, []ToolCall{
		{ID: "a", Name: "read_file", Arguments: json.RawMessage(`{"path":"x"}`)},
		{ID: "b", Name: "list_files", Arguments: json.RawMessage(`{}`)},
		{ID: "call_2", Name: "search_files", Arguments: json.RawMessage(`"not json"`)},
	}, resp.ToolCalls)
	assert.Equal(t, Usage{}, resp.Usage)
}

func TestOpenAIRetriesAfter429HonouringRetryAfter(t *testing.T) {
	f := newFakeServer(t,
		status(429, `{"error":{"message":"Rate limit reached for gpt-4.1 on tokens per min.","type":"tokens","code":"rate_limit_exceeded"}}`, "Retry-After", "7"),
		sse(fixture(t, "openai_text.sse")))
	var w waits
	resp, err := newTestOpenAI(f, w.policy(5)).Complete(context.Background(), simpleRequest, nil)
	require.NoError(t, err)
	assert.Equal(t, "Hello! The project builds cleanly.", resp.Text)
	assert.Len(t, f.requests(), 2)
	assert.Equal(t, []time.Duration{7 * time.Second}, w.delays())
}

func TestOpenAIGivesUpAfterBoundedAttempts(t *testing.T) {
	f := newFakeServer(t, status(500, `{"error":{"message":"The server had an error while processing your request.","type":"server_error"}}`))
	var w waits
	_, err := newTestOpenAI(f, w.policy(3)).Complete(context.Background(), simpleRequest, nil)
	require.EqualError(t, err, "openai: HTTP 500: The server had an error while processing your request. (gave up after 3 attempts)")
	var he *HTTPError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, 500, he.Status)
	assert.Len(t, f.requests(), 3)
	delays := w.delays()
	require.Len(t, delays, 2)
	assert.InDelta(t, 75*time.Millisecond, delays[0], float64(25*time.Millisecond), "backoff 1 in [50ms,100ms]")
	assert.InDelta(t, 150*time.Millisecond, delays[1], float64(50*time.Millisecond), "backoff 2 in [100ms,200ms]")
}

func TestOpenAIDoesNotRetryClientErrors(t *testing.T) {
	for _, code := range []int{400, 401, 404} {
		f := newFakeServer(t, status(code, `{"error":{"message":"Incorrect API key provided: sk-x.","type":"invalid_request_error","code":"invalid_api_key"}}`))
		var w waits
		_, err := newTestOpenAI(f, w.policy(5)).Complete(context.Background(), simpleRequest, nil)
		require.Error(t, err)
		assert.Equal(t, fmt.Sprintf("openai: HTTP %d: Incorrect API key provided: sk-x.", code), err.Error())
		assert.Len(t, f.requests(), 1, "HTTP %d", code)
		assert.Empty(t, w.delays())
	}
}

func TestOpenAIStreamCutAfterTextIsNotRetried(t *testing.T) {
	text := fixture(t, "openai_text.sse")
	f := newFakeServer(t, cutAfter(text, 3), sse(text))
	var deltas []string
	var w waits
	_, err := newTestOpenAI(f, w.policy(5)).Complete(context.Background(), simpleRequest, collect(&deltas))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "openai: connection lost")
	assert.Equal(t, []string{"Hello", "!"}, deltas, "what was streamed stays streamed, once")
	assert.Len(t, f.requests(), 1)
}

func TestOpenAIDroppedBeforeTextIsRetried(t *testing.T) {
	text := fixture(t, "openai_text.sse")
	// A hang-up before any answer, then one after the role-only chunk,
	// which carries no text: both are safe to retry.
	f := newFakeServer(t, drop, cutAfter(text, 1), sse(text))
	var deltas []string
	var w waits
	resp, err := newTestOpenAI(f, w.policy(5)).Complete(context.Background(), simpleRequest, collect(&deltas))
	require.NoError(t, err)
	assert.Equal(t, "Hello! The project builds cleanly.", resp.Text)
	assert.Equal(t, "Hello! The project builds cleanly.", strings.Join(deltas, ""))
	assert.Len(t, f.requests(), 3)
	assert.Len(t, w.delays(), 2)
}

func TestOpenAIStreamEndingWithoutFinishIsAnError(t *testing.T) {
	evs := events(fixture(t, "openai_text.sse"))
	f := newFakeServer(t, sse(strings.Join(evs[:4], "")))
	_, err := newTestOpenAI(f, RetryPolicy{MaxAttempts: 1}).Complete(context.Background(), simpleRequest, nil)
	require.EqualError(t, err, "openai: stream ended before the answer was complete: unexpected EOF")
}

func TestOpenAIMalformedChunk(t *testing.T) {
	evs := events(fixture(t, "openai_text.sse"))
	f := newFakeServer(t, sse(evs[0]+evs[1]+"data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\n\n"))
	var w waits
	_, err := newTestOpenAI(f, w.policy(5)).Complete(context.Background(), simpleRequest, nil)
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "openai: malformed stream data: "), err.Error())
	assert.Len(t, f.requests(), 1, "a server bug is not retried")
}

func TestOpenAIErrorEventInStream(t *testing.T) {
	overloaded := `data: {"error":{"message":"The server is overloaded, please try again.","type":"server_error","code":null}}` + "\n\n"
	text := fixture(t, "openai_text.sse")
	f := newFakeServer(t, sse(overloaded), sse(text))
	var w waits
	resp, err := newTestOpenAI(f, w.policy(5)).Complete(context.Background(), simpleRequest, nil)
	require.NoError(t, err, "a transient error before any text is retried")
	assert.Equal(t, "stop", resp.StopReason)

	g := newFakeServer(t, sse(`data: {"error":{"message":"Invalid prompt.","type":"invalid_request_error"}}`+"\n\n"))
	_, err = newTestOpenAI(g, w.policy(5)).Complete(context.Background(), simpleRequest, nil)
	require.EqualError(t, err, "openai: stream error: invalid_request_error: Invalid prompt.")
	assert.Len(t, g.requests(), 1)
}

func TestOpenAICancelAbortsStream(t *testing.T) {
	evs := events(fixture(t, "openai_text.sse"))
	f := newFakeServer(t)
	deltas, err := cancelMidStream(f, evs[:2], newTestOpenAI(f, RetryPolicy{}))
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, []string{"Hello"}, deltas)
	assert.Len(t, f.requests(), 1)
}

func TestOpenAICancelBeforeHeaders(t *testing.T) {
	arrived := make(chan struct{})
	f := newFakeServer(t)
	f.reply(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		select { // no headers until the client gives up
		case <-r.Context().Done():
		case <-f.gone:
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-arrived
		cancel()
	}()
	_, err := newTestOpenAI(f, RetryPolicy{}).Complete(ctx, simpleRequest, nil)
	require.ErrorIs(t, err, context.Canceled)
}

func TestOpenAIIdleServerTimesOut(t *testing.T) {
	arrived := make(chan struct{})
	f := newFakeServer(t)
	f.reply(f.stall(events(fixture(t, "openai_text.sse"))[:1], arrived))
	_, err := newTestOpenAI(f, RetryPolicy{MaxAttempts: 1, IdleTimeout: 20 * time.Millisecond}).
		Complete(context.Background(), simpleRequest, nil)
	require.EqualError(t, err, "openai: no data from the server for 20ms")
}

func TestOpenAIAuthFromNamedEnvVar(t *testing.T) {
	f := newFakeServer(t, sse(fixture(t, "openai_text.sse")))
	env := map[string]string{"MY_LLM_KEY": "sk-test-123", "OPENAI_API_KEY": "sk-wrong"}
	p, err := NewProvider(Config{Provider: "openai", Name: "qwen3", BaseURL: f.srv.URL + "/v1", APIKeyEnv: "MY_LLM_KEY"},
		ProviderOptions{Getenv: func(k string) string { return env[k] }, HTTPClient: f.srv.Client()})
	require.NoError(t, err)
	assert.Equal(t, "openai", p.Name())
	_, err = p.Complete(context.Background(), simpleRequest, nil)
	require.NoError(t, err)
	assert.Equal(t, "Bearer sk-test-123", f.requests()[0].Header.Get("Authorization"))
	assert.Contains(t, f.requests()[0].Body, `"model":"qwen3"`)
}

func TestOpenAIMissingKeyForHostedAPI(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{}, "openai: no API key: set the OPENAI_API_KEY environment variable (or model.baseURL for a local server)"},
		{Config{APIKeyEnv: "TEAM_KEY"}, "openai: no API key: set the TEAM_KEY environment variable (or model.baseURL for a local server)"},
		{Config{BaseURL: "https://API.openai.com/v1"}, "openai: no API key: set the OPENAI_API_KEY environment variable (or model.baseURL for a local server)"},
	}
	for _, tt := range tests {
		p, err := NewProvider(tt.cfg, ProviderOptions{Getenv: func(string) string { return "" }})
		require.NoError(t, err)
		_, err = p.Complete(context.Background(), simpleRequest, nil)
		assert.EqualError(t, err, tt.want)
	}
}

func TestOpenAIUnreachableServerFailsFast(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())

	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	var w waits
	p := NewOpenAI(OpenAIOptions{Model: "llama3", BaseURL: "http://" + addr + "/v1", HTTPClient: client, Retry: w.policy(5)})
	_, err = p.Complete(context.Background(), simpleRequest, nil)
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "openai: cannot reach the server: "), err.Error())
	assert.Contains(t, err.Error(), "connection refused")
	assert.Empty(t, w.delays(), "nobody is there: no retries")
	assert.False(t, errors.Is(err, context.Canceled))
}

func TestOpenAIServerThatDoesNotStream(t *testing.T) {
	f := newFakeServer(t, status(200, `{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"hi"}}]}`))
	var w waits
	_, err := newTestOpenAI(f, w.policy(5)).Complete(context.Background(), simpleRequest, nil)
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "openai: the server answered without streaming (HTTP 200, application/json): "), err.Error())
	assert.Len(t, f.requests(), 1)
}

func TestOpenAIProxyErrorPage(t *testing.T) {
	f := newFakeServer(t, status(502, `<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>`))
	var w waits
	_, err := newTestOpenAI(f, w.policy(2)).Complete(context.Background(), simpleRequest, nil)
	require.EqualError(t, err, "openai: HTTP 502: 502 Bad Gateway (gave up after 2 attempts)")
}

func TestOpenAIConcurrentCalls(t *testing.T) {
	f := newFakeServer(t, sse(fixture(t, "openai_tools.sse")))
	p := newTestOpenAI(f, RetryPolicy{})
	const n = 4
	errs := make(chan error, n)
	for range n {
		go func() {
			resp, err := p.Complete(context.Background(), simpleRequest, func(string) {})
			if err == nil && len(resp.ToolCalls) != 2 {
				err = fmt.Errorf("got %d tool calls", len(resp.ToolCalls))
			}
			errs <- err
		}()
	}
	for range n {
		assert.NoError(t, <-errs)
	}
	assert.Len(t, f.requests(), n)
}

func TestOpenAINotFoundHintsAtV1(t *testing.T) {
	f := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	p := NewOpenAI(OpenAIOptions{Model: "llama3", BaseURL: f.srv.URL, HTTPClient: f.srv.Client()})
	_, err := p.Complete(context.Background(), simpleRequest, nil)
	require.EqualError(t, err, "openai: HTTP 404: 404 page not found (model.baseURL usually ends in /v1)")
	assert.Equal(t, "/chat/completions", f.requests()[0].Path)

	_, err = newTestOpenAI(f, RetryPolicy{}).Complete(context.Background(), simpleRequest, nil)
	require.EqualError(t, err, "openai: HTTP 404: 404 page not found")
}
