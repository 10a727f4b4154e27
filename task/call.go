package task

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/agentls/agentls/model"
	"github.com/agentls/agentls/store"
	"github.com/agentls/agentls/tools"
)

// callOutcome says whether a tool call ended the task, and how.
type callOutcome struct {
	final   bool
	status  store.Status
	result  string
	errText string
}

// DefaultWaitTimeout is wait_for_background's timeout when none is given.
const DefaultWaitTimeout = 300 * time.Second

// runCall carries out one tool call of a model answer.
func (t *Task) runCall(ctx context.Context, turn int, call model.ToolCall) callOutcome {
	input := decodeInput(call.Arguments)
	msg := store.Message{Kind: store.KindTool, Name: call.Name, Input: input, Status: store.ToolPending, Turn: turn, CallID: call.ID}
	tool, ok := t.lookup(call.Name)
	if !ok {
		t.fail(msg, t.unavailable(call.Name))
		return callOutcome{}
	}
	if !json.Valid(call.Arguments) {
		t.fail(msg, fmt.Sprintf("the arguments of %s are not valid JSON: %.200s", call.Name, call.Arguments))
		return callOutcome{}
	}
	switch call.Name {
	case tools.AttemptCompletion:
		return t.complete(turn, call)
	case tools.AskFollowupQuestion:
		t.question(ctx, turn, call)
		return callOutcome{}
	}

	if tool.Group == tools.GroupEdit && t.mode.EditAllowed != nil {
		if p := pathOf(call.Arguments); !t.mode.EditAllowed(p) {
			t.fail(msg, fmt.Sprintf("%s refused for %q: %s", call.Name, p, t.mode.EditRule))
			return callOutcome{}
		}
	}
	msg = t.record(msg)
	if t.opts.Host.NeedsApproval(tool) {
		// The task waits for the user while the approval is open, as it
		// does for a question (the contract's "waiting").
		t.setStatus(store.StatusWaiting, "", "")
		approved := t.opts.Host.Approve(ctx, t, tool, Summary(call.Name, call.Arguments))
		if ctx.Err() != nil {
			msg.Status, msg.Output = store.ToolDenied, "Not run: the task was cancelled before the user answered."
			t.record(msg)
			return callOutcome{}
		}
		t.setStatus(store.StatusRunning, "", "")
		if !approved {
			msg.Status, msg.Output = store.ToolDenied, "The user denied this operation."
			t.record(msg)
			return callOutcome{}
		}
		msg.Status = store.ToolApproved
		msg = t.record(msg)
	}

	out, err := t.execute(ctx, tool, call)
	msg.Status, msg.Output = store.ToolDone, out
	if err != nil {
		msg.Status, msg.Output = store.ToolError, err.Error()
	}
	t.record(msg)
	return callOutcome{}
}

// execute runs a workspace tool or one of the control tools that return a
// plain result.
func (t *Task) execute(ctx context.Context, tool tools.Tool, call model.ToolCall) (string, error) {
	switch call.Name {
	case tools.NewTask:
		var in tools.NewTaskInput
		if err := decodeStrict(call.Arguments, &in); err != nil {
			return "", err
		}
		if strings.TrimSpace(in.Message) == "" {
			return "", errors.New("new_task needs a non-empty message")
		}
		// Checked before the parent pauses, so that a bad call leaves no
		// pause and resume behind in the task's states.
		if _, err := LookupMode(in.Mode); err != nil {
			return "", err
		}
		if !in.Background {
			t.setStatus(store.StatusPaused, "", "")
			defer func() {
				if ctx.Err() == nil {
					t.setStatus(store.StatusRunning, "", "")
				}
			}()
		}
		return t.opts.Host.NewTask(ctx, t, in)
	case tools.WaitForBackground:
		var in tools.WaitForBackgroundInput
		if err := decodeStrict(call.Arguments, &in); err != nil {
			return "", err
		}
		timeout := DefaultWaitTimeout
		if in.TimeoutSeconds != nil {
			if *in.TimeoutSeconds < 0 {
				return "", errors.New("timeout_seconds must not be negative")
			}
			timeout = time.Duration(*in.TimeoutSeconds * float64(time.Second))
		}
		return t.opts.Host.WaitForBackground(ctx, t, in.TaskIDs, timeout)
	case tools.UpdateTodoList:
		// The list itself lives in the tool message's input, which the
		// editor shows and the history keeps.
		var in tools.UpdateTodoListInput
		if err := decodeStrict(call.Arguments, &in); err != nil {
			return "", err
		}
		return "Todo list updated.", nil
	}
	if tool.Run == nil {
		return "", fmt.Errorf("%s is not available here", call.Name)
	}
	return tool.Run(ctx, t.opts.Space, call.Arguments)
}

// complete ends the task with the model's result.
func (t *Task) complete(turn int, call model.ToolCall) callOutcome {
	var in tools.AttemptCompletionInput
	if err := decodeStrict(call.Arguments, &in); err != nil || strings.TrimSpace(in.Result) == "" {
		t.fail(store.Message{Kind: store.KindTool, Name: call.Name, Input: decodeInput(call.Arguments), Turn: turn, CallID: call.ID},
			"attempt_completion needs a non-empty result")
		return callOutcome{}
	}
	t.record(store.Message{Kind: store.KindCompletion, Result: in.Result, Turn: turn, CallID: call.ID})
	return callOutcome{final: true, status: store.StatusCompleted, result: in.Result}
}

// question asks the user and waits for task/reply.
func (t *Task) question(ctx context.Context, turn int, call model.ToolCall) {
	var in tools.AskFollowupQuestionInput
	if err := decodeStrict(call.Arguments, &in); err != nil || strings.TrimSpace(in.Question) == "" {
		t.fail(store.Message{Kind: store.KindTool, Name: call.Name, Input: decodeInput(call.Arguments), Turn: turn, CallID: call.ID},
			"ask_followup_question needs a non-empty question")
		return
	}
	replies := make(chan string, 1)
	t.record(store.Message{Kind: store.KindQuestion, Text: in.Question, Suggestions: in.Suggestions, Turn: turn, CallID: call.ID})
	t.mu.Lock()
	t.replies = replies
	t.mu.Unlock()
	t.setStatus(store.StatusWaiting, "", "")
	select {
	case answer := <-replies:
		t.setStatus(store.StatusRunning, "", "")
		t.record(store.Message{Kind: store.KindUser, Text: answer, CallID: call.ID})
	case <-ctx.Done():
		t.mu.Lock()
		t.replies = nil
		t.mu.Unlock()
	}
}

// fail records a tool call that was refused before it ran.
func (t *Task) fail(msg store.Message, why string) {
	msg.Status, msg.Output = store.ToolError, why
	t.record(msg)
}

func (t *Task) lookup(name string) (tools.Tool, bool) {
	for _, tl := range t.tools {
		if tl.Name == name {
			return tl, true
		}
	}
	return tools.Tool{}, false
}

func (t *Task) unavailable(name string) string {
	var names []string
	for _, tl := range t.tools {
		names = append(names, tl.Name)
	}
	if _, known := tools.ByName(name); !known {
		return fmt.Sprintf("unknown tool %q; the tools are: %s", name, strings.Join(names, ", "))
	}
	if t.info.Background {
		return fmt.Sprintf("%s is not available to a background task: it may only use read-only tools (%s)", name, strings.Join(names, ", "))
	}
	return fmt.Sprintf("%s is not available in %s mode; the tools are: %s", name, t.mode.Name, strings.Join(names, ", "))
}

func decodeInput(raw json.RawMessage) any {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return string(raw)
	}
	return v
}

func decodeStrict(raw json.RawMessage, v any) error {
	if len(raw) == 0 {
		raw = json.RawMessage(`{}`)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("invalid arguments: %v", err)
	}
	return nil
}

func pathOf(raw json.RawMessage) string {
	var in struct {
		Path string `json:"path"`
	}
	_ = json.Unmarshal(raw, &in)
	return in.Path
}

// Summary says in a few words what a tool call will do, for approvals and
// progress reports: "write_to_file src/a.go", "execute_command go test".
func Summary(name string, raw json.RawMessage) string {
	var in struct {
		Path    string `json:"path"`
		Command string `json:"command"`
		Regex   string `json:"regex"`
	}
	_ = json.Unmarshal(raw, &in)
	switch {
	case in.Command != "":
		return name + " " + in.Command
	case in.Regex != "" && in.Path != "":
		return fmt.Sprintf("%s %q in %s", name, in.Regex, in.Path)
	case in.Path != "":
		return name + " " + in.Path
	}
	return name
}
