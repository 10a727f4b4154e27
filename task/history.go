package task

import (
	"encoding/json"
	"fmt"

	"github.com/agentls/agentls/model"
	"github.com/agentls/agentls/store"
)

// Results given to tool calls whose result never reached the conversation.
const (
	resultNotRun      = "Not run: an earlier tool call in the same answer ended the task."
	resultInterrupted = "No result: the task was interrupted before this tool call finished."
	resultCompletion  = "The result was presented to the user."
)

// BuildHistory rebuilds the model-facing conversation from a task's stored
// messages. Messages of one model answer (same Turn) become one assistant
// message followed by the results of all its tool calls; user input that
// arrived while the answer's tools ran (background outcomes, for example)
// follows those results, because providers require results to come right
// after their calls. A call without a stored result gets a placeholder one.
func BuildHistory(msgs []store.Message) []model.Message {
	var (
		out     []model.Message
		turn    int // Turn of the open assistant message, 0 when none
		results []model.Message
		calls   []model.ToolCall
		later   []model.Message // user input held until the results are out
		got     = map[string]bool{}
	)
	closeTurn := func() {
		if turn == 0 {
			return
		}
		for _, c := range calls {
			if !got[c.ID] {
				text := resultInterrupted
				if hasCompletion(calls) {
					text = resultNotRun
				}
				results = append(results, model.Message{Role: model.RoleTool, ToolCallID: c.ID, ToolName: c.Name, Text: text, IsError: true})
			}
		}
		out = append(out, results...)
		out = append(out, later...)
		turn, results, calls, later = 0, nil, nil, nil
		// Some servers number calls afresh in every answer: ids are only
		// unique within one.
		got = map[string]bool{}
	}
	assistant := func(m store.Message) *model.Message {
		if turn != m.Turn {
			closeTurn()
			turn = m.Turn
			out = append(out, model.Message{Role: model.RoleAssistant})
		}
		return &out[len(out)-1]
	}
	addCall := func(m store.Message, name string, input any) {
		a := assistant(m)
		call := model.ToolCall{ID: m.CallID, Name: name, Arguments: rawJSON(input)}
		a.ToolCalls = append(a.ToolCalls, call)
		calls = append(calls, call)
	}
	addResult := func(m store.Message, name, text string, isErr bool) {
		if got[m.CallID] {
			return
		}
		got[m.CallID] = true
		results = append(results, model.Message{Role: model.RoleTool, ToolCallID: m.CallID, ToolName: name, Text: text, IsError: isErr})
	}
	user := func(text string) {
		msg := model.Message{Role: model.RoleUser, Text: text}
		if turn != 0 {
			later = append(later, msg)
			return
		}
		out = append(out, msg)
	}

	for _, m := range msgs {
		switch m.Kind {
		case store.KindText:
			if m.Partial || m.Turn == 0 {
				continue
			}
			a := assistant(m)
			a.Text += m.Text
		case store.KindTool:
			if m.Turn == 0 || m.CallID == "" {
				continue
			}
			addCall(m, m.Name, m.Input)
			switch m.Status {
			case store.ToolDone:
				addResult(m, m.Name, m.Output, false)
			case store.ToolError, store.ToolDenied:
				addResult(m, m.Name, m.Output, true)
			}
		case store.KindQuestion:
			if m.CallID == "" {
				continue
			}
			addCall(m, "ask_followup_question", map[string]any{"question": m.Text, "suggestions": m.Suggestions})
		case store.KindCompletion:
			if m.CallID == "" {
				continue
			}
			addCall(m, "attempt_completion", map[string]any{"result": m.Result})
			addResult(m, "attempt_completion", resultCompletion, false)
		case store.KindUser:
			if m.CallID != "" { // the answer to a question
				addResult(m, "ask_followup_question", m.Text, false)
				continue
			}
			closeTurn()
			user(m.Text)
		case store.KindBackground:
			user(BackgroundText(m))
		case store.KindError:
			if m.Reminder {
				// The answer that earned the reminder stays an answer even
				// when it said nothing (providers skip empty ones), so that
				// AnswerCount and the script's position agree.
				assistant(m)
				closeTurn()
				user(m.Text)
			}
		}
	}
	closeTurn()
	return out
}

// AnswerCount is the number of model answers recorded in msgs.
func AnswerCount(msgs []store.Message) int {
	n := 0
	for _, m := range msgs {
		if m.Turn > n {
			n = m.Turn
		}
	}
	return n
}

// BackgroundText is how a delivered background outcome reads to the model.
func BackgroundText(m store.Message) string {
	switch m.Status {
	case string(store.StatusCompleted):
		return fmt.Sprintf("[Background task %q (%s) completed]\n%s", m.Title, m.TaskID, m.Result)
	default:
		return fmt.Sprintf("[Background task %q (%s) %s]\n%s", m.Title, m.TaskID, m.Status, m.Text)
	}
}

func hasCompletion(calls []model.ToolCall) bool {
	for _, c := range calls {
		if c.Name == "attempt_completion" {
			return true
		}
	}
	return false
}

func rawJSON(v any) json.RawMessage {
	switch v := v.(type) {
	case nil:
		return json.RawMessage(`{}`)
	case json.RawMessage:
		return v
	}
	b, err := json.Marshal(v)
	if err != nil {
		return json.RawMessage(`{}`)
	}
	return b
}
