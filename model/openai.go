package model

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/packages/ssestream"
	"github.com/openai/openai-go/v3/shared"
)

// OpenAIBaseURL is the hosted OpenAI API.
const OpenAIBaseURL = "https://api.openai.com/v1"

// OpenAIOptions configures an OpenAI provider.
type OpenAIOptions struct {
	Model string
	// BaseURL is any OpenAI-compatible server (Ollama, vLLM, llama.cpp,
	// LM Studio, OpenRouter); empty means OpenAIBaseURL.
	BaseURL string
	// APIKey is sent as a bearer token when set. The hosted API needs one;
	// local servers do not.
	APIKey string
	// APIKeyEnv is the variable the key came from, named in the error
	// when it is missing.
	APIKeyEnv string
	// MaxTokens bounds each answer; zero leaves it to the server.
	MaxTokens  int
	HTTPClient *http.Client // nil: a client with connect timeouts
	Retry      RetryPolicy
}

// OpenAI is a Provider for the chat completions API of OpenAI and of the
// many servers that copy it.
type OpenAI struct {
	opts   OpenAIOptions
	chat   openai.ChatCompletionService
	hosted bool
	keyErr error // reported by every Complete
}

var _ Provider = (*OpenAI)(nil)

const openaiName = "openai"

// NewOpenAI makes an OpenAI provider. It does no I/O; a missing key for the
// hosted API is reported by Complete.
func NewOpenAI(o OpenAIOptions) *OpenAI {
	base := o.BaseURL
	if base == "" {
		base = OpenAIBaseURL
	}
	client := o.HTTPClient
	if client == nil {
		client = newHTTPClient()
	}
	p := &OpenAI{opts: o, hosted: isHost(base, "api.openai.com")}
	if o.APIKey == "" && p.hosted {
		env := o.APIKeyEnv
		if env == "" {
			env = "OPENAI_API_KEY"
		}
		p.keyErr = described("openai: no API key: set the %s environment variable (or model.baseURL for a local server)", env)
	}
	// The service is built without openai.NewClient, which would read
	// OPENAI_BASE_URL and other variables behind the configuration's back.
	// The SDK's retries are off: RetryPolicy retries, the same for every
	// provider.
	reqOpts := []option.RequestOption{
		option.WithBaseURL(base),
		option.WithHTTPClient(client),
		option.WithMaxRetries(0),
		option.WithMiddleware(statusMiddleware(openaiName)),
	}
	if o.APIKey != "" {
		reqOpts = append(reqOpts, option.WithAPIKey(o.APIKey))
	}
	p.chat = openai.NewChatCompletionService(reqOpts...)
	return p
}

func isHost(base, host string) bool {
	u, err := url.Parse(base)
	return err == nil && strings.EqualFold(u.Hostname(), host)
}

// Name implements Provider.
func (p *OpenAI) Name() string { return openaiName }

// Complete implements Provider with a streamed chat completion.
func (p *OpenAI) Complete(ctx context.Context, req Request, onText func(string)) (Response, error) {
	if p.keyErr != nil {
		return Response{}, p.keyErr
	}
	params, err := p.params(req)
	if err != nil {
		return Response{}, err
	}
	resp, err := p.opts.Retry.do(ctx, openaiName, onText, func(ctx context.Context, a *attempt) (Response, error) {
		stream := p.chat.NewStreaming(ctx, params)
		defer func() { _ = stream.Close() }()
		var acc openaiAnswer
		for stream.Next() {
			if err := acc.add(stream.Current(), a); err != nil {
				return Response{}, err
			}
		}
		if err := stream.Err(); err != nil {
			return Response{}, openaiStreamErr(err)
		}
		return acc.response()
	})
	var he *HTTPError
	if errors.As(err, &he) && he.Status == http.StatusNotFound && p.opts.BaseURL != "" &&
		!strings.HasSuffix(strings.TrimSuffix(p.opts.BaseURL, "/"), "/v1") {
		// The commonest slip with local servers: http://host:11434 for
		// http://host:11434/v1.
		err = fmt.Errorf("%w (model.baseURL usually ends in /v1)", err)
	}
	return resp, err
}

func (p *OpenAI) params(req Request) (openai.ChatCompletionNewParams, error) {
	msgs, err := openaiMessages(req.System, req.Messages)
	if err != nil {
		return openai.ChatCompletionNewParams{}, err
	}
	params := openai.ChatCompletionNewParams{
		Model:         p.opts.Model,
		Messages:      msgs,
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
	}
	for _, t := range req.Tools {
		schema, err := schemaObject(t.InputSchema)
		if err != nil {
			return params, described("openai: tool %q: %v", t.Name, err)
		}
		fn := shared.FunctionDefinitionParam{Name: t.Name, Parameters: schema}
		if t.Description != "" {
			fn.Description = openai.String(t.Description)
		}
		params.Tools = append(params.Tools, openai.ChatCompletionFunctionTool(fn))
	}
	if n := int64(p.opts.MaxTokens); n > 0 {
		// OpenAI's newer models take only max_completion_tokens; most
		// compatible servers know only max_tokens.
		if p.hosted {
			params.MaxCompletionTokens = openai.Int(n)
		} else {
			params.MaxTokens = openai.Int(n)
		}
	}
	return params, nil
}

// schemaObject decodes a tool's JSON Schema; an empty one accepts an empty
// arguments object.
func schemaObject(raw json.RawMessage) (map[string]any, error) {
	if len(strings.TrimSpace(string(raw))) == 0 {
		return map[string]any{"type": "object", "properties": map[string]any{}}, nil
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, errors.New("input schema is not a JSON object")
	}
	return m, nil
}

func openaiMessages(system string, msgs []Message) ([]openai.ChatCompletionMessageParamUnion, error) {
	out := make([]openai.ChatCompletionMessageParamUnion, 0, len(msgs)+1)
	if system != "" {
		out = append(out, openai.SystemMessage(system))
	}
	for i, m := range msgs {
		switch m.Role {
		case RoleUser:
			out = append(out, openai.UserMessage(m.Text))
		case RoleAssistant:
			if m.Text == "" && len(m.ToolCalls) == 0 {
				continue // nothing to say; servers reject empty messages
			}
			var a openai.ChatCompletionAssistantMessageParam
			if m.Text != "" {
				a.Content.OfString = openai.String(m.Text)
			}
			for _, c := range m.ToolCalls {
				a.ToolCalls = append(a.ToolCalls, openai.ChatCompletionMessageToolCallUnionParam{
					OfFunction: &openai.ChatCompletionMessageFunctionToolCallParam{
						ID:       c.ID,
						Function: openai.ChatCompletionMessageFunctionToolCallFunctionParam{Name: c.Name, Arguments: argsText(c.Arguments)},
					},
				})
			}
			out = append(out, openai.ChatCompletionMessageParamUnion{OfAssistant: &a})
		case RoleTool:
			out = append(out, openai.ToolMessage(toolResultText(m), m.ToolCallID))
		default:
			return nil, described("openai: message %d: unknown role %q", i, m.Role)
		}
	}
	return out, nil
}

// argsText is a call's arguments as sent back to a server: always a JSON
// object, since some servers reject anything else.
func argsText(raw json.RawMessage) string {
	var v map[string]json.RawMessage
	if json.Unmarshal(raw, &v) != nil || v == nil {
		return "{}"
	}
	return string(raw)
}

// toolResultText marks failures in words, as chat completions have no
// is_error flag, and never sends an empty result.
func toolResultText(m Message) string {
	text := m.Text
	if text == "" {
		text = "(no output)"
	}
	if m.IsError {
		text = "Error: " + text
	}
	return text
}

// maxAnswerBytes bounds the text and tool arguments of one answer, so a
// runaway server cannot exhaust memory.
const maxAnswerBytes = 8 << 20

// openaiAnswer accumulates the chunks of one streamed answer.
type openaiAnswer struct {
	text    strings.Builder
	calls   []*pendingCall
	byIndex map[int64]*pendingCall
	finish  string
	usage   Usage
	size    int
}

type pendingCall struct {
	id, name string
	args     strings.Builder
}

func (s *openaiAnswer) add(chunk openai.ChatCompletionChunk, a *attempt) error {
	if u := chunk.Usage; u.PromptTokens > 0 || u.CompletionTokens > 0 {
		// Some servers repeat running totals in every chunk: keep the last.
		s.usage = Usage{InputTokens: u.PromptTokens, OutputTokens: u.CompletionTokens}
	}
	for _, ch := range chunk.Choices {
		if ch.Index != 0 {
			continue // only one choice is asked for
		}
		d := ch.Delta
		for _, delta := range []string{d.Content, d.Refusal} {
			if delta == "" {
				continue
			}
			if err := s.grow(len(delta)); err != nil {
				return err
			}
			s.text.WriteString(delta)
			a.text(delta)
		}
		for _, tc := range d.ToolCalls {
			if err := s.grow(len(tc.Function.Arguments)); err != nil {
				return err
			}
			s.call(tc).args.WriteString(tc.Function.Arguments)
		}
		if ch.FinishReason != "" {
			s.finish = ch.FinishReason
		}
	}
	return nil
}

func (s *openaiAnswer) grow(n int) error {
	s.size += n
	if s.size > maxAnswerBytes {
		return described("openai: answer exceeds %d MiB", maxAnswerBytes>>20)
	}
	return nil
}

// call finds the call a tool-call delta continues. Deltas are keyed by
// index; a new id at a known index starts a new call, for servers that
// number every call 0.
func (s *openaiAnswer) call(tc openai.ChatCompletionChunkChoiceDeltaToolCall) *pendingCall {
	if s.byIndex == nil {
		s.byIndex = map[int64]*pendingCall{}
	}
	c, ok := s.byIndex[tc.Index]
	if !ok || (tc.ID != "" && c.id != "" && tc.ID != c.id) {
		c = &pendingCall{}
		s.byIndex[tc.Index] = c
		s.calls = append(s.calls, c)
	}
	if tc.ID != "" {
		c.id = tc.ID
	}
	if tc.Function.Name != "" && c.name == "" {
		c.name = tc.Function.Name
	}
	return c
}

func (s *openaiAnswer) response() (Response, error) {
	if s.finish == "" {
		// A clean end without a finish_reason is a cut stream all the same.
		return Response{}, described("openai: stream ended before the answer was complete: %w", io.ErrUnexpectedEOF)
	}
	r := Response{Text: s.text.String(), Usage: s.usage, StopReason: s.finish}
	for i, c := range s.calls {
		if c.name == "" {
			return Response{}, described("openai: tool call %d has no function name", i)
		}
		id := c.id
		if id == "" {
			id = fmt.Sprintf("call_%d", i) // some local servers send none
		}
		r.ToolCalls = append(r.ToolCalls, ToolCall{ID: id, Name: c.name, Arguments: callArgs(c.args.String())})
	}
	return r, nil
}

// callArgs makes a call's argument text a valid JSON value: "{}" when
// empty, and the text as a JSON string when it does not parse, so the tool
// rejects it with a message the model can act on.
func callArgs(s string) json.RawMessage {
	if strings.TrimSpace(s) == "" {
		return json.RawMessage("{}")
	}
	if json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	b, _ := json.Marshal(s)
	return b
}

// openaiStreamErr describes an error that ended a stream which had started.
func openaiStreamErr(err error) error {
	var se *ssestream.StreamError
	if errors.As(err, &se) {
		return streamErrorEvent(openaiName, se.Event.Data)
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	if errors.As(err, &syn) || errors.As(err, &typ) {
		return described("openai: malformed stream data: %v", err)
	}
	return err
}

// streamErrorEvent reads an error event's data: {"error":{"type":..,
// "message":..}} or {"type":"error","error":{..}}.
func streamErrorEvent(provider string, data []byte) error {
	var v struct {
		Error struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(data, &v) != nil || v.Error.Message == "" {
		return &StreamError{Provider: provider, Message: errorMessage(data)}
	}
	return &StreamError{Provider: provider, Type: v.Error.Type, Message: clip(v.Error.Message)}
}
