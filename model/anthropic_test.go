package model

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newTestAnthropic(f *fakeServer, retry RetryPolicy) *Anthropic {
	return NewAnthropic(AnthropicOptions{Model: "claude-sonnet-4-5", BaseURL: f.srv.URL, APIKey: "sk-ant-test",
		HTTPClient: f.srv.Client(), Retry: retry})
}

func TestAnthropicStreamsText(t *testing.T) {
	f := newFakeServer(t, sse(fixture(t, "anthropic_text.sse")))
	var deltas []string
	resp, err := newTestAnthropic(f, RetryPolicy{}).Complete(context.Background(), simpleRequest, collect(&deltas))
	require.NoError(t, err)

	assert.Equal(t, []string{"Hello", "!", " The", " project", " builds", " cleanly", "."}, deltas)
	assert.Equal(t, Response{Text: "Hello! The project builds cleanly.", Usage: Usage{InputTokens: 572, OutputTokens: 15}, StopReason: "end_turn"}, resp,
		"input counts cached tokens too; output is message_delta's running total")

	reqs := f.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "/v1/messages", reqs[0].Path)
	assert.Equal(t, "sk-ant-test", reqs[0].Header.Get("X-Api-Key"))
	assert.NotEmpty(t, reqs[0].Header.Get("Anthropic-Version"))
	assert.Empty(t, reqs[0].Header.Get("Authorization"))
	var body struct {
		Model     string          `json:"model"`
		MaxTokens int             `json:"max_tokens"`
		Stream    bool            `json:"stream"`
		System    json.RawMessage `json:"system"`
		Messages  json.RawMessage `json:"messages"`
	}
	require.NoError(t, json.Unmarshal([]byte(reqs[0].Body), &body))
	assert.Equal(t, "claude-sonnet-4-5", body.Model)
	assert.Equal(t, DefaultMaxTokens, body.MaxTokens)
	assert.True(t, body.Stream)
	assert.JSONEq(t, `[{"type":"text","text":"You are a test."}]`, string(body.System))
	assert.JSONEq(t, `[{"role":"user","content":[{"type":"text","text":"Does it build?"}]}]`, string(body.Messages))
}

func TestAnthropicTextAndTwoToolCalls(t *testing.T) {
	f := newFakeServer(t, sse(fixture(t, "anthropic_tools.sse")))
	var deltas []string
	resp, err := newTestAnthropic(f, RetryPolicy{}).Complete(context.Background(), simpleRequest, collect(&deltas))
	require.NoError(t, err)

	assert.Equal(t, "Let me read both files.", strings.Join(deltas, ""))
	assert.Equal(t, "Let me read both files.", resp.Text)
	assert.Equal(t, "tool_use", resp.StopReason)
	assert.Equal(t, Usage{InputTokens: 572, OutputTokens: 89}, resp.Usage)
	assertTheTwoToolCalls(t, resp.ToolCalls, "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "toolu_01Hd8Mq9Zx3vB6yWbJ2cEePs")
}

func TestAnthropicSendsHistoryAndTools(t *testing.T) {
	f := newFakeServer(t, sse(fixture(t, "anthropic_text.sse")))
	req := Request{
		System: "sys",
		Messages: []Message{
			{Role: RoleUser, Text: "Fix the build."},
			{Role: RoleAssistant, Text: "Looking.", ToolCalls: []ToolCall{
				{ID: "toolu_1", Name: "read_file", Arguments: json.RawMessage(`{"path":"a.go"}`)},
				{ID: "toolu_2", Name: "list_files", Arguments: nil},
			}},
			{Role: RoleTool, ToolCallID: "toolu_1", ToolName: "read_file", Text: "package a"},
			{Role: RoleTool, ToolCallID: "toolu_2", ToolName: "list_files", Text: "no such directory", IsError: true},
			{Role: RoleUser, Text: "Background task done."}, // joins the results' message
			{Role: RoleAssistant, ToolCalls: []ToolCall{{ID: "toolu_3", Name: "attempt_completion", Arguments: json.RawMessage(`{"result":"ok"}`)}}},
			{Role: RoleTool, ToolCallID: "toolu_3", ToolName: "attempt_completion", Text: ""},
			{Role: RoleUser, Text: "One more thing."},
		},
		Tools: []ToolDef{
			{Name: "read_file", Description: "Read a file.", InputSchema: json.RawMessage(`{"type":"object","properties":{"path":{"type":"string"}},"required":["path"],"additionalProperties":false}`)},
			{Name: "list_files"},
		},
	}
	_, err := NewAnthropic(AnthropicOptions{Model: "m", BaseURL: f.srv.URL + "/v1/", MaxTokens: 1000, HTTPClient: f.srv.Client()}).
		Complete(context.Background(), req, nil)
	require.NoError(t, err)

	reqs := f.requests()
	assert.Equal(t, "/v1/messages", reqs[0].Path, "a base URL ending in /v1 works too")
	assert.Empty(t, reqs[0].Header.Get("X-Api-Key"), "no key for a custom server: none sent")
	var body struct {
		MaxTokens int             `json:"max_tokens"`
		Messages  json.RawMessage `json:"messages"`
		Tools     json.RawMessage `json:"tools"`
	}
	require.NoError(t, json.Unmarshal([]byte(reqs[0].Body), &body))
	assert.Equal(t, 1000, body.MaxTokens)
	assert.JSONEq(t, `[
		{"role":"user","content":[{"type":"text","text":"Fix the build."}]},
		{"role":"assistant","content":[
			{"type":"text","text":"Looking."},
			{"type":"tool_use","id":"toolu_1","name":"read_file","input":{"path":"a.go"}},
			{"type":"tool_use","id":"toolu_2","name":"list_files","input":{}}]},
		{"role":"user","content":[
			{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"package a"}],"is_error":false},
			{"type":"tool_result","tool_use_id":"toolu_2","content":[{"type":"text","text":"no such directory"}],"is_error":true},
			{"type":"text","text":"Background task done."}]},
		{"role":"assistant","content":[
			{"type":"tool_use","id":"toolu_3","name":"attempt_completion","input":{"result":"ok"}}]},
		{"role":"user","content":[
			{"type":"tool_result","tool_use_id":"toolu_3","content":[{"type":"text","text":"(no output)"}],"is_error":false},
			{"type":"text","text":"One more thing."}]}
	]`, string(body.Messages))
	assert.JSONEq(t, `[
		{"name":"read_file","description":"Read a file.","input_schema":{"type":"object","properties":{"path":{"type":"string"}},"required":["path"],"additionalProperties":false}},
		{"name":"list_files","input_schema":{"type":"object","properties":{}}}
	]`, string(body.Tools))
}

func TestAnthropicHistoryStartingWithAssistant(t *testing.T) {
	msgs, err := anthropicMessages([]Message{{Role: RoleAssistant, Text: "Done."}, {Role: RoleUser, Text: "Thanks"}})
	require.NoError(t, err)
	require.Len(t, msgs, 3)
	assert.Equal(t, "user", string(msgs[0].Role), "the API wants a user message first")
}

func TestAnthropicRetriesOverloadedHonouringRetryAfterDate(t *testing.T) {
	later := time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
	f := newFakeServer(t,
		status(529, `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`, "Retry-After", later),
		sse(fixture(t, "anthropic_text.sse")))
	var w waits
	p := w.policy(5)
	p.MaxRetryAfter = 2 * time.Hour
	resp, err := newTestAnthropic(f, p).Complete(context.Background(), simpleRequest, nil)
	require.NoError(t, err)
	assert.Equal(t, "end_turn", resp.StopReason)
	assert.Len(t, f.requests(), 2)
	delays := w.delays()
	require.Len(t, delays, 1)
	assert.InDelta(t, time.Hour, delays[0], float64(time.Minute), "waits until the date the server gave")
}

func TestAnthropicGivesUpAfterBoundedAttempts(t *testing.T) {
	f := newFakeServer(t, status(500, `{"type":"error","error":{"type":"api_error","message":"Internal server error"}}`))
	var w waits
	_, err := newTestAnthropic(f, w.policy(3)).Complete(context.Background(), simpleRequest, nil)
	require.EqualError(t, err, "anthropic: HTTP 500: Internal server error (gave up after 3 attempts)")
	assert.Len(t, f.requests(), 3)
	assert.Len(t, w.delays(), 2)
}

func TestAnthropicDoesNotRetryClientErrors(t *testing.T) {
	f := newFakeServer(t, status(400, `{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: 100000 > 64000, which is the maximum allowed"}}`))
	var w waits
	_, err := newTestAnthropic(f, w.policy(5)).Complete(context.Background(), simpleRequest, nil)
	require.EqualError(t, err, "anthropic: HTTP 400: max_tokens: 100000 > 64000, which is the maximum allowed")
	assert.Len(t, f.requests(), 1)
	assert.Empty(t, w.delays())
}

func TestAnthropicStreamCut(t *testing.T) {
	text := fixture(t, "anthropic_text.sse")
	f := newFakeServer(t, cutAfter(text, 5), sse(text))
	var deltas []string
	var w waits
	_, err := newTestAnthropic(f, w.policy(5)).Complete(context.Background(), simpleRequest, collect(&deltas))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "anthropic: connection lost")
	assert.Equal(t, []string{"Hello", "!"}, deltas)
	assert.Len(t, f.requests(), 1, "text went out: no retry")

	// Cut before any text: retried.
	g := newFakeServer(t, cutAfter(text, 2), sse(text))
	deltas = nil
	resp, err := newTestAnthropic(g, w.policy(5)).Complete(context.Background(), simpleRequest, collect(&deltas))
	require.NoError(t, err)
	assert.Equal(t, "Hello! The project builds cleanly.", resp.Text)
	assert.Equal(t, resp.Text, strings.Join(deltas, ""))
	assert.Len(t, g.requests(), 2)
}

func TestAnthropicStreamEndingWithoutStopIsAnError(t *testing.T) {
	evs := events(fixture(t, "anthropic_text.sse"))
	f := newFakeServer(t, sse(strings.Join(evs[:6], "")))
	_, err := newTestAnthropic(f, RetryPolicy{MaxAttempts: 1}).Complete(context.Background(), simpleRequest, nil)
	require.EqualError(t, err, "anthropic: stream ended before the answer was complete: unexpected EOF")
}

func TestAnthropicMalformedEvent(t *testing.T) {
	evs := events(fixture(t, "anthropic_text.sse"))
	f := newFakeServer(t, sse(evs[0]+evs[1]+"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hel\n\n"))
	var w waits
	_, err := newTestAnthropic(f, w.policy(5)).Complete(context.Background(), simpleRequest, nil)
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "anthropic: malformed stream data: "), err.Error())
	assert.Len(t, f.requests(), 1)
}

func TestAnthropicInputDeltaForUnknownBlock(t *testing.T) {
	evs := events(fixture(t, "anthropic_text.sse"))
	bad := "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":7,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{}\"}}\n\n"
	f := newFakeServer(t, sse(evs[0]+bad))
	_, err := newTestAnthropic(f, RetryPolicy{MaxAttempts: 1}).Complete(context.Background(), simpleRequest, nil)
	require.EqualError(t, err, "anthropic: malformed stream data: input_json_delta for block 7, which is not a tool_use")
}

func TestAnthropicErrorEventInStream(t *testing.T) {
	evs := events(fixture(t, "anthropic_text.sse"))
	overloaded := "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"

	// Before any text: retried.
	f := newFakeServer(t, sse(evs[0]+overloaded), sse(strings.Join(evs, "")))
	var w waits
	resp, err := newTestAnthropic(f, w.policy(5)).Complete(context.Background(), simpleRequest, nil)
	require.NoError(t, err)
	assert.Equal(t, "Hello! The project builds cleanly.", resp.Text)
	assert.Len(t, f.requests(), 2)

	// After text: reported.
	g := newFakeServer(t, sse(strings.Join(evs[:5], "")+overloaded))
	_, err = newTestAnthropic(g, w.policy(5)).Complete(context.Background(), simpleRequest, nil)
	require.EqualError(t, err, "anthropic: stream error: overloaded_error: Overloaded")
	assert.Len(t, g.requests(), 1)
}

func TestAnthropicCancelAbortsStream(t *testing.T) {
	evs := events(fixture(t, "anthropic_text.sse"))
	f := newFakeServer(t)
	deltas, err := cancelMidStream(f, evs[:4], newTestAnthropic(f, RetryPolicy{}))
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, []string{"Hello"}, deltas)
}

func TestAnthropicKeyFromEnv(t *testing.T) {
	f := newFakeServer(t, sse(fixture(t, "anthropic_text.sse")))
	env := map[string]string{"ANTHROPIC_API_KEY": "sk-ant-from-env"}
	p, err := NewProvider(Config{Provider: "anthropic", BaseURL: f.srv.URL},
		ProviderOptions{Getenv: func(k string) string { return env[k] }, HTTPClient: f.srv.Client()})
	require.NoError(t, err)
	assert.Equal(t, "anthropic", p.Name())
	_, err = p.Complete(context.Background(), simpleRequest, nil)
	require.NoError(t, err)
	assert.Equal(t, "sk-ant-from-env", f.requests()[0].Header.Get("X-Api-Key"))
	assert.Contains(t, f.requests()[0].Body, `"model":"`+DefaultAnthropicModel+`"`)
}

func TestAnthropicMissingKeyForHostedAPI(t *testing.T) {
	p, err := NewProvider(Config{Provider: "anthropic"}, ProviderOptions{Getenv: func(string) string { return "" }})
	require.NoError(t, err)
	_, err = p.Complete(context.Background(), simpleRequest, nil)
	assert.EqualError(t, err, "anthropic: no API key: set the ANTHROPIC_API_KEY environment variable")
}
