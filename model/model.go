// Package model talks to language models. A Provider takes the conversation
// so far and the tools on offer and returns one model answer: text, streamed
// as it arrives, and native tool calls. Providers: openai (any
// OpenAI-compatible endpoint), anthropic, and script (deterministic, for
// tests and demos).
package model

import (
	"context"
	"encoding/json"
)

// Role says who speaks in a Message.
type Role string

// Roles of the model-facing conversation.
const (
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
	RoleTool      Role = "tool" // a tool result, answering one ToolCall
)

// ToolCall is one tool invocation asked for by the model.
type ToolCall struct {
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
}

// Message is one entry of the model-facing conversation.
type Message struct {
	Role      Role
	Text      string
	ToolCalls []ToolCall // assistant
	// ToolCallID and ToolName tie a RoleTool result to its call.
	ToolCallID string
	ToolName   string
	IsError    bool // RoleTool: the tool failed or was refused
}

// ToolDef is a tool as offered to the model.
type ToolDef struct {
	Name        string
	Description string
	InputSchema json.RawMessage // JSON Schema of the arguments object
}

// Request is one model call.
type Request struct {
	// TaskID identifies the calling task; stateful providers (script) key
	// their per-task state on it.
	TaskID   string
	System   string
	Messages []Message
	Tools    []ToolDef
}

// Usage counts the tokens of one model call.
type Usage struct {
	InputTokens  int64
	OutputTokens int64
}

// Response is one complete model answer.
type Response struct {
	Text      string
	ToolCalls []ToolCall
	Usage     Usage
	// StopReason is the provider's own finish reason, for logs.
	StopReason string
}

// Provider is a language model endpoint.
//
// Complete streams the answer's text through onText (each call carries a
// new delta; onText may be nil) and returns the whole answer. It must return
// promptly with ctx.Err() once ctx is cancelled, aborting any network I/O.
// Errors should name the provider and, for HTTP failures, the status and the
// server's own message.
type Provider interface {
	Name() string
	Complete(ctx context.Context, req Request, onText func(delta string)) (Response, error)
}
