// Package fakeopenai is an OpenAI-compatible chat completions server for
// tests: it answers each streaming request with what a decide function
// returns, in the wire format real servers use (a role chunk, text in
// pieces, tool-call arguments split across chunks keyed by index, a
// finish_reason chunk, a usage-only chunk, then [DONE]).
package fakeopenai

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// Message is one message of a request, as the server received it.
type Message struct {
	Role       string `json:"role"`
	Content    any    `json:"content"`
	ToolCallID string `json:"tool_call_id"`
	ToolCalls  []struct {
		ID       string `json:"id"`
		Function struct {
			Name      string `json:"name"`
			Arguments string `json:"arguments"`
		} `json:"function"`
	} `json:"tool_calls"`
}

// Text returns the message's content as text.
func (m Message) Text() string {
	switch c := m.Content.(type) {
	case string:
		return c
	case []any:
		var b strings.Builder
		for _, part := range c {
			if p, ok := part.(map[string]any); ok {
				if s, ok := p["text"].(string); ok {
					b.WriteString(s)
				}
			}
		}
		return b.String()
	}
	return ""
}

// Request is one chat completions request.
type Request struct {
	Model    string    `json:"model"`
	Stream   bool      `json:"stream"`
	Messages []Message `json:"messages"`
	Tools    []struct {
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	} `json:"tools"`
	Header http.Header `json:"-"`
}

// FirstUser is the text of the first user message.
func (r Request) FirstUser() string {
	for _, m := range r.Messages {
		if m.Role == "user" {
			return m.Text()
		}
	}
	return ""
}

// Answers counts the assistant messages: the turn being asked for is
// Answers()+1.
func (r Request) Answers() int {
	n := 0
	for _, m := range r.Messages {
		if m.Role == "assistant" {
			n++
		}
	}
	return n
}

// Call is a tool call of a Reply.
type Call struct {
	Name string
	Args string // JSON object
}

// Reply is what the server answers.
type Reply struct {
	Text  string
	Calls []Call
	// Status, when not 0 or 200, answers with that HTTP status and an
	// OpenAI-style error body carrying Error.
	Status int
	Error  string
}

// Server is a running fake.
type Server struct {
	*httptest.Server
	mu       sync.Mutex
	requests []Request
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// New starts a server; its URL plus "/v1" is the base URL to configure.
func New(decide func(Request) Reply) *Server {
	s := &Server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" {
			http.NotFound(w, r)
			return
		}
		var req Request
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		req.Header = r.Header.Clone()
		s.mu.Lock()
		s.requests = append(s.requests, req)
		s.mu.Unlock()
		reply := decide(req)
		if reply.Status != 0 && reply.Status != http.StatusOK {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(reply.Status)
			_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": reply.Error, "type": "server_error"}})
			return
		}
		stream(w, req.Model, reply)
	}))
	return s
}

func stream(w http.ResponseWriter, model string, reply Reply) {
	w.Header().Set("Content-Type", "text/event-stream")
	flusher, _ := w.(http.Flusher)
	send := func(v any) {
		b, _ := json.Marshal(v)
		fmt.Fprintf(w, "data: %s\n\n", b)
		if flusher != nil {
			flusher.Flush()
		}
	}
	chunk := func(delta map[string]any, finish any) map[string]any {
		return map[string]any{"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1, "model": model,
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}}}
	}
	send(chunk(map[string]any{"role": "assistant", "content": ""}, nil))
	if reply.Text != "" {
		half := len(reply.Text) / 2
		send(chunk(map[string]any{"content": reply.Text[:half]}, nil))
		send(chunk(map[string]any{"content": reply.Text[half:]}, nil))
	}
	for i, c := range reply.Calls {
		send(chunk(map[string]any{"tool_calls": []any{map[string]any{"index": i, "id": fmt.Sprintf("call_%d", i),
			"type": "function", "function": map[string]any{"name": c.Name, "arguments": ""}}}}, nil))
		for _, piece := range thirds(c.Args) {
			send(chunk(map[string]any{"tool_calls": []any{map[string]any{"index": i, "function": map[string]any{"arguments": piece}}}}, nil))
		}
	}
	finish := "stop"
	if len(reply.Calls) > 0 {
		finish = "tool_calls"
	}
	send(chunk(map[string]any{}, finish))
	send(map[string]any{"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1, "model": model, "choices": []any{},
		"usage": map[string]any{"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}})
	fmt.Fprint(w, "data: [DONE]\n\n")
}

func thirds(s string) []string {
	n := len(s) / 3
	if n == 0 {
		return []string{s}
	}
	return []string{s[:n], s[n : 2*n], s[2*n:]}
}
