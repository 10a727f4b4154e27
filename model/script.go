package model

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"
)

// maxScriptSize bounds the script file read at start-up.
const maxScriptSize = 16 << 20

// maxDelayMs bounds a turn's delay (a day), well inside time.Duration.
const maxDelayMs = 24 * 60 * 60 * 1000

// maxScriptTasks bounds the per-task positions the script provider keeps;
// the oldest are forgotten first (a forgotten task starts again from the
// number of answers in its history, as a resumed task does).
const maxScriptTasks = 10000

// Script is the deterministic provider of SCRIPT.md: each task is bound to
// the first conversation whose match finds its first user message, and each
// model call consumes that conversation's next turn.
type Script struct {
	path          string
	conversations []scriptConversation

	mu    sync.Mutex
	state map[string]*scriptState
	order []string // task ids in binding order, for eviction
}

type scriptConversation struct {
	Match string       `json:"match"`
	Turns []scriptTurn `json:"turns"`
	re    *regexp.Regexp
}

type scriptTurn struct {
	Text      string           `json:"text"`
	DelayMs   int64            `json:"delayMs"`
	ToolCalls []scriptToolCall `json:"toolCalls"`
	Error     string           `json:"error"`
}

type scriptToolCall struct {
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
}

type scriptState struct {
	conv int
	pos  int
}

// NewScript loads and checks a script file. Errors name the file and the
// problem.
func NewScript(path string) (*Script, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("script %s: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxScriptSize+1))
	if err != nil {
		return nil, fmt.Errorf("script %s: %w", path, err)
	}
	if len(data) > maxScriptSize {
		return nil, fmt.Errorf("script %s: larger than %d MiB", path, maxScriptSize>>20)
	}
	return ParseScript(path, data)
}

// ParseScript checks a script's content; name is used in errors.
func ParseScript(name string, data []byte) (*Script, error) {
	var doc struct {
		Conversations *[]scriptConversation `json:"conversations"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("script %s: invalid JSON: %v", name, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("script %s: unexpected data after the JSON object", name)
	}
	if doc.Conversations == nil {
		return nil, fmt.Errorf("script %s: missing \"conversations\" array", name)
	}
	convs := *doc.Conversations
	for i := range convs {
		c := &convs[i]
		re, err := regexp.Compile(c.Match)
		if err != nil {
			return nil, fmt.Errorf("script %s: conversations[%d].match: %v", name, i, err)
		}
		c.re = re
		for j, turn := range c.Turns {
			if turn.DelayMs < 0 || turn.DelayMs > maxDelayMs {
				return nil, fmt.Errorf("script %s: conversations[%d].turns[%d].delayMs: %d is out of range (0-%d)", name, i, j, turn.DelayMs, maxDelayMs)
			}
			for k, call := range turn.ToolCalls {
				where := fmt.Sprintf("conversations[%d].turns[%d].toolCalls[%d]", i, j, k)
				if strings.TrimSpace(call.Name) == "" {
					return nil, fmt.Errorf("script %s: %s.name: missing", name, where)
				}
				if len(call.Arguments) != 0 && !isJSONObject(call.Arguments) {
					return nil, fmt.Errorf("script %s: %s.arguments: must be an object", name, where)
				}
			}
		}
	}
	return &Script{path: name, conversations: convs, state: map[string]*scriptState{}}, nil
}

// Name implements Provider.
func (s *Script) Name() string { return "script" }

// Complete implements Provider.
func (s *Script) Complete(ctx context.Context, req Request, onText func(string)) (Response, error) {
	turn, pos, err := s.next(req)
	if err != nil {
		return Response{}, err
	}
	if turn.DelayMs > 0 {
		timer := time.NewTimer(time.Duration(turn.DelayMs) * time.Millisecond)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return Response{}, ctx.Err()
		}
	}
	if err := ctx.Err(); err != nil {
		return Response{}, err
	}
	if turn.Error != "" {
		return Response{}, fmt.Errorf("script: %s", turn.Error)
	}
	if onText != nil {
		for _, chunk := range chunks(turn.Text) {
			onText(chunk)
		}
	}
	resp := Response{Text: turn.Text, StopReason: "end_turn", Usage: estimateUsage(req, turn.Text)}
	for i, call := range turn.ToolCalls {
		args := call.Arguments
		if len(args) == 0 {
			args = json.RawMessage(`{}`)
		}
		resp.ToolCalls = append(resp.ToolCalls, ToolCall{ID: fmt.Sprintf("call_%d_%d", pos+1, i+1), Name: call.Name, Arguments: args})
	}
	if len(resp.ToolCalls) > 0 {
		resp.StopReason = "tool_use"
	}
	return resp, nil
}

// next binds the task on its first call and consumes its next turn.
func (s *Script) next(req Request) (scriptTurn, int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.state[req.TaskID]
	if !ok {
		first := firstUserText(req.Messages)
		conv := -1
		for i, c := range s.conversations {
			if c.re.MatchString(first) {
				conv = i
				break
			}
		}
		if conv < 0 {
			return scriptTurn{}, 0, fmt.Errorf("script %s: no conversation matches the message %q", s.path, first)
		}
		st = &scriptState{conv: conv, pos: countAssistant(req.Messages)}
		s.bind(req.TaskID, st)
	}
	turns := s.conversations[st.conv].Turns
	if st.pos >= len(turns) {
		return scriptTurn{}, 0, fmt.Errorf("script %s: conversation %d (match %q) has no turn %d: it has only %d",
			s.path, st.conv, s.conversations[st.conv].Match, st.pos+1, len(turns))
	}
	pos := st.pos
	st.pos++
	return turns[pos], pos, nil
}

func (s *Script) bind(taskID string, st *scriptState) {
	s.state[taskID] = st
	s.order = append(s.order, taskID)
	if len(s.order) > maxScriptTasks {
		delete(s.state, s.order[0])
		s.order = s.order[1:]
	}
}

func firstUserText(msgs []Message) string {
	for _, m := range msgs {
		if m.Role == RoleUser {
			return m.Text
		}
	}
	return ""
}

func countAssistant(msgs []Message) int {
	n := 0
	for _, m := range msgs {
		if m.Role == RoleAssistant {
			n++
		}
	}
	return n
}

// chunks splits text into word-sized deltas, so that text longer than one
// word streams as at least two chunks.
func chunks(text string) []string {
	if text == "" {
		return nil
	}
	var out []string
	start := 0
	for i := 1; i < len(text); i++ {
		if text[i] == ' ' && text[i-1] != ' ' {
			out = append(out, text[start:i])
			start = i
		}
	}
	return append(out, text[start:])
}

// estimateUsage counts about four characters a token, so that usage
// figures move in tests and demos as they would with a real model.
func estimateUsage(req Request, answer string) Usage {
	n := len(req.System)
	for _, m := range req.Messages {
		n += len(m.Text)
		for _, c := range m.ToolCalls {
			n += len(c.Arguments)
		}
	}
	return Usage{InputTokens: int64(n/4 + 1), OutputTokens: int64(len(answer)/4 + 1)}
}

func isJSONObject(raw json.RawMessage) bool {
	var v map[string]json.RawMessage
	return json.Unmarshal(raw, &v) == nil && v != nil
}
