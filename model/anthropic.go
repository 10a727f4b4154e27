package model

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/option"
)

// AnthropicBaseURL is the hosted Anthropic API.
const AnthropicBaseURL = "https://api.anthropic.com"

// AnthropicOptions configures an Anthropic provider.
type AnthropicOptions struct {
	Model string
	// BaseURL overrides AnthropicBaseURL; a trailing /v1 is dropped, as
	// the SDK adds it.
	BaseURL string
	// APIKey is sent as x-api-key; the hosted API needs one.
	APIKey    string
	APIKeyEnv string // named in the error when the key is missing
	// MaxTokens bounds each answer (default DefaultMaxTokens; the API
	// requires a value).
	MaxTokens  int
	HTTPClient *http.Client // nil: a client with connect timeouts
	Retry      RetryPolicy
}

// Anthropic is a Provider for the Anthropic Messages API.
type Anthropic struct {
	opts   AnthropicOptions
	msgs   anthropic.MessageService
	keyErr error
}

var _ Provider = (*Anthropic)(nil)

const anthropicName = "anthropic"

// NewAnthropic makes an Anthropic provider. It does no I/O; a missing key
// for the hosted API is reported by Complete.
func NewAnthropic(o AnthropicOptions) *Anthropic {
	base := strings.TrimSuffix(strings.TrimSuffix(o.BaseURL, "/"), "/v1")
	if base == "" {
		base = AnthropicBaseURL
	}
	if o.MaxTokens <= 0 {
		o.MaxTokens = DefaultMaxTokens
	}
	client := o.HTTPClient
	if client == nil {
		client = newHTTPClient()
	}
	p := &Anthropic{opts: o}
	if o.APIKey == "" && isHost(base, "api.anthropic.com") {
		env := o.APIKeyEnv
		if env == "" {
			env = "ANTHROPIC_API_KEY"
		}
		p.keyErr = described("anthropic: no API key: set the %s environment variable", env)
	}
	// Built without anthropic.NewClient, which would read ANTHROPIC_* and
	// credential files behind the configuration's back; SDK retries off in
	// favour of RetryPolicy.
	reqOpts := []option.RequestOption{
		option.WithBaseURL(base),
		option.WithHTTPClient(client),
		option.WithMaxRetries(0),
		option.WithMiddleware(statusMiddleware(anthropicName)),
	}
	if o.APIKey != "" {
		reqOpts = append(reqOpts, option.WithAPIKey(o.APIKey))
	}
	p.msgs = anthropic.NewMessageService(reqOpts...)
	return p
}

// Name implements Provider.
func (p *Anthropic) Name() string { return anthropicName }

// Complete implements Provider with a streamed Messages call.
func (p *Anthropic) Complete(ctx context.Context, req Request, onText func(string)) (Response, error) {
	if p.keyErr != nil {
		return Response{}, p.keyErr
	}
	params, err := p.params(req)
	if err != nil {
		return Response{}, err
	}
	return p.opts.Retry.do(ctx, anthropicName, onText, func(ctx context.Context, a *attempt) (Response, error) {
		stream := p.msgs.NewStreaming(ctx, params)
		defer func() { _ = stream.Close() }()
		var acc anthropicAnswer
		for stream.Next() {
			if err := acc.add(stream.Current(), a); err != nil {
				return Response{}, err
			}
		}
		if err := stream.Err(); err != nil {
			return Response{}, anthropicStreamErr(err)
		}
		return acc.response()
	})
}

func (p *Anthropic) params(req Request) (anthropic.MessageNewParams, error) {
	msgs, err := anthropicMessages(req.Messages)
	if err != nil {
		return anthropic.MessageNewParams{}, err
	}
	params := anthropic.MessageNewParams{
		Model:     anthropic.Model(p.opts.Model),
		MaxTokens: int64(p.opts.MaxTokens),
		Messages:  msgs,
	}
	if req.System != "" {
		params.System = []anthropic.TextBlockParam{{Text: req.System}}
	}
	for _, t := range req.Tools {
		schema, err := schemaObject(t.InputSchema)
		if err != nil {
			return params, described("anthropic: tool %q: %v", t.Name, err)
		}
		tp := &anthropic.ToolParam{Name: t.Name, InputSchema: inputSchema(schema)}
		if t.Description != "" {
			tp.Description = anthropic.String(t.Description)
		}
		params.Tools = append(params.Tools, anthropic.ToolUnionParam{OfTool: tp})
	}
	return params, nil
}

// inputSchema spreads a JSON Schema over the SDK's typed fields, keeping
// every other keyword.
func inputSchema(schema map[string]any) anthropic.ToolInputSchemaParam {
	var s anthropic.ToolInputSchemaParam
	extra := map[string]any{}
	for k, v := range schema {
		switch k {
		case "type":
		case "properties":
			s.Properties = v
		case "required":
			if list, ok := v.([]any); ok {
				for _, r := range list {
					if name, ok := r.(string); ok {
						s.Required = append(s.Required, name)
					}
				}
			}
		default:
			extra[k] = v
		}
	}
	if len(extra) > 0 {
		s.ExtraFields = extra
	}
	return s
}

// anthropicMessages maps the conversation to alternating user and
// assistant messages: tool results travel in user messages, so consecutive
// results (and any user text after them) share one message, results first.
func anthropicMessages(msgs []Message) ([]anthropic.MessageParam, error) {
	var out []anthropic.MessageParam
	add := func(role anthropic.MessageParamRole, blocks ...anthropic.ContentBlockParamUnion) {
		if len(blocks) == 0 {
			return
		}
		if n := len(out); n > 0 && out[n-1].Role == role {
			out[n-1].Content = append(out[n-1].Content, blocks...)
			return
		}
		out = append(out, anthropic.MessageParam{Role: role, Content: blocks})
	}
	for i, m := range msgs {
		switch m.Role {
		case RoleUser:
			if strings.TrimSpace(m.Text) != "" { // the API rejects empty text blocks
				add(anthropic.MessageParamRoleUser, anthropic.NewTextBlock(m.Text))
			}
		case RoleAssistant:
			var blocks []anthropic.ContentBlockParamUnion
			if strings.TrimSpace(m.Text) != "" {
				blocks = append(blocks, anthropic.NewTextBlock(m.Text))
			}
			for _, c := range m.ToolCalls {
				blocks = append(blocks, anthropic.NewToolUseBlock(c.ID, json.RawMessage(argsText(c.Arguments)), c.Name))
			}
			add(anthropic.MessageParamRoleAssistant, blocks...)
		case RoleTool:
			text := m.Text
			if text == "" {
				text = "(no output)"
			}
			add(anthropic.MessageParamRoleUser, anthropic.NewToolResultBlock(m.ToolCallID, text, m.IsError))
		default:
			return nil, described("anthropic: message %d: unknown role %q", i, m.Role)
		}
	}
	if len(out) > 0 && out[0].Role != anthropic.MessageParamRoleUser {
		// The API wants a user message first; a trimmed history may lack one.
		out = append([]anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("(earlier conversation omitted)"))}, out...)
	}
	return out, nil
}

// anthropicAnswer accumulates the events of one streamed answer.
type anthropicAnswer struct {
	text    strings.Builder
	calls   []*pendingCall
	byIndex map[int64]*pendingCall // tool_use blocks by content index
	stop    string
	done    bool // message_stop seen
	usage   Usage
	size    int
}

func (s *anthropicAnswer) add(ev anthropic.MessageStreamEventUnion, a *attempt) error {
	switch ev.Type {
	case "message_start":
		u := ev.Message.Usage
		s.usage.InputTokens = u.InputTokens + u.CacheCreationInputTokens + u.CacheReadInputTokens
		s.usage.OutputTokens = u.OutputTokens
	case "content_block_start":
		switch cb := ev.ContentBlock; cb.Type {
		case "tool_use":
			if s.byIndex == nil {
				s.byIndex = map[int64]*pendingCall{}
			}
			c := &pendingCall{id: cb.ID, name: cb.Name}
			s.byIndex[ev.Index] = c
			s.calls = append(s.calls, c)
		case "text":
			return s.addText(cb.Text, a)
		}
	case "content_block_delta":
		switch ev.Delta.Type {
		case "text_delta":
			return s.addText(ev.Delta.Text, a)
		case "input_json_delta":
			c := s.byIndex[ev.Index]
			if c == nil {
				return described("anthropic: malformed stream data: input_json_delta for block %d, which is not a tool_use", ev.Index)
			}
			if err := s.grow(len(ev.Delta.PartialJSON)); err != nil {
				return err
			}
			c.args.WriteString(ev.Delta.PartialJSON)
		}
	case "message_delta":
		if ev.Delta.StopReason != "" {
			s.stop = string(ev.Delta.StopReason)
		}
		if u := ev.Usage; u.OutputTokens > 0 {
			s.usage.OutputTokens = u.OutputTokens // a running total
		}
		if u := ev.Usage; u.InputTokens > 0 {
			s.usage.InputTokens = u.InputTokens + u.CacheCreationInputTokens + u.CacheReadInputTokens
		}
	case "message_stop":
		s.done = true
	}
	return nil
}

func (s *anthropicAnswer) addText(delta string, a *attempt) error {
	if delta == "" {
		return nil
	}
	if err := s.grow(len(delta)); err != nil {
		return err
	}
	s.text.WriteString(delta)
	a.text(delta)
	return nil
}

func (s *anthropicAnswer) grow(n int) error {
	s.size += n
	if s.size > maxAnswerBytes {
		return described("anthropic: answer exceeds %d MiB", maxAnswerBytes>>20)
	}
	return nil
}

func (s *anthropicAnswer) response() (Response, error) {
	if !s.done && s.stop == "" {
		return Response{}, described("anthropic: stream ended before the answer was complete: %w", io.ErrUnexpectedEOF)
	}
	r := Response{Text: s.text.String(), Usage: s.usage, StopReason: s.stop}
	for i, c := range s.calls {
		if c.id == "" || c.name == "" {
			return Response{}, described("anthropic: tool_use block %d lacks an id or name", i)
		}
		r.ToolCalls = append(r.ToolCalls, ToolCall{ID: c.id, Name: c.name, Arguments: callArgs(c.args.String())})
	}
	return r, nil
}

// anthropicStreamErr describes an error that ended a stream which had
// started: an error event, or data that does not decode.
func anthropicStreamErr(err error) error {
	var ae *anthropic.Error
	if errors.As(err, &ae) {
		return streamErrorEvent(anthropicName, []byte(ae.RawJSON()))
	}
	if msg, ok := strings.CutPrefix(err.Error(), "received error while streaming: "); ok {
		return streamErrorEvent(anthropicName, []byte(msg))
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	if errors.As(err, &syn) || errors.As(err, &typ) {
		return described("anthropic: malformed stream data: %v", err)
	}
	return err
}
