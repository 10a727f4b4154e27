package task

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/agentls/agentls/model"
	"github.com/agentls/agentls/store"
)

// MaxAnswersWithoutTool is how many answers in a row may lack a tool call
// before the task fails; each earlier one gets a reminder.
const MaxAnswersWithoutTool = 3

const reminderText = "[ERROR] You did not use a tool in your previous response. Every answer must call a tool: " +
	"use attempt_completion when the task is done, or ask_followup_question if you need the user."

// Run works on the task until it completes, fails or ctx is cancelled, and
// returns its final status. input, when not empty, is first added as a user
// message (the first message of a new task, or the user continuing it).
// Only one Run of a task may be in progress at a time.
func (t *Task) Run(ctx context.Context, input string) store.Status {
	t.mu.Lock()
	if t.running {
		t.mu.Unlock()
		return t.Info().Status
	}
	t.running = true
	t.mu.Unlock()

	t.setStatus(store.StatusRunning, "", "")
	t.closeInterrupted()
	if input != "" {
		t.record(store.Message{Kind: store.KindUser, Text: input})
	}
	status, result, errText := t.loop(ctx)
	if status == store.StatusFailed && errText != "" {
		t.record(store.Message{Kind: store.KindError, Text: errText})
	}
	// Not running before the final status is reported: whoever sees it
	// may continue the task at once.
	t.mu.Lock()
	t.running = false
	t.mu.Unlock()
	t.setStatus(status, result, errText)
	return status
}

// closeInterrupted ends the tool calls that a previous run left open (the
// process died while they ran): no call is in flight when a run starts.
func (t *Task) closeInterrupted() {
	for _, m := range t.Messages() {
		if m.Kind == store.KindTool && (m.Status == store.ToolPending || m.Status == store.ToolApproved) {
			m.Status, m.Output = store.ToolError, resultInterrupted
			t.record(m)
		}
	}
}

// loop runs model turns until the task ends.
func (t *Task) loop(ctx context.Context) (store.Status, string, string) {
	withoutTool := 0
	for {
		if ctx.Err() != nil {
			return t.cancelled(ctx)
		}
		t.flush()
		msgs := t.Messages()
		turn := AnswerCount(msgs) + 1
		resp, err := t.ask(ctx, msgs, turn)
		if err != nil {
			if ctx.Err() != nil {
				return t.cancelled(ctx)
			}
			return store.StatusFailed, "", err.Error()
		}
		if len(resp.ToolCalls) == 0 {
			withoutTool++
			if withoutTool >= MaxAnswersWithoutTool {
				return store.StatusFailed, "", fmt.Sprintf("the model answered %d times in a row without using a tool", withoutTool)
			}
			t.record(store.Message{Kind: store.KindError, Text: reminderText, Reminder: true, Turn: turn})
			continue
		}
		withoutTool = 0
		for _, call := range resp.ToolCalls {
			out := t.runCall(ctx, turn, call)
			if ctx.Err() != nil {
				return t.cancelled(ctx)
			}
			if out.final {
				return out.status, out.result, out.errText
			}
		}
	}
}

func (t *Task) cancelled(ctx context.Context) (store.Status, string, string) {
	cause := context.Cause(ctx)
	if errors.Is(cause, context.DeadlineExceeded) {
		return store.StatusTimedOut, "", "timed out"
	}
	if cause != nil && !errors.Is(cause, context.Canceled) {
		return store.StatusCancelled, "", cause.Error()
	}
	return store.StatusCancelled, "", "cancelled"
}

// ask makes one model call, streaming its text as partial messages, and
// records the final text.
func (t *Task) ask(ctx context.Context, msgs []store.Message, turn int) (model.Response, error) {
	history := BuildHistory(msgs)
	if t.opts.FitHistory != nil {
		history = t.opts.FitHistory(history)
	}
	req := model.Request{TaskID: t.ID(), System: t.opts.System, Messages: history, Tools: t.toolDefs()}
	textID := t.opts.NewID()
	var sofar strings.Builder
	sent, chunks := 0, 0
	resp, err := t.opts.Provider.Complete(ctx, req, func(delta string) {
		if delta == "" {
			return
		}
		sofar.WriteString(delta)
		// Each partial carries the whole text so far, so sending every
		// delta of a long answer would cost the square of its length.
		// After the first two, a partial goes out only once the text has
		// grown by an eighth (at least 64 bytes): linear in total.
		if chunks >= 2 && sofar.Len()-sent < max(64, sofar.Len()/8) {
			return
		}
		chunks++
		sent = sofar.Len()
		t.record(store.Message{ID: textID, Kind: store.KindText, Text: sofar.String(), Partial: true, Turn: turn})
	})
	if err != nil {
		return resp, err
	}
	t.addUsage(store.Usage{InputTokens: resp.Usage.InputTokens, OutputTokens: resp.Usage.OutputTokens})
	text := resp.Text
	if text == "" {
		text = sofar.String()
	}
	if strings.TrimSpace(text) != "" {
		t.record(store.Message{ID: textID, Kind: store.KindText, Text: text, Turn: turn})
	}
	return resp, nil
}

func (t *Task) toolDefs() []model.ToolDef {
	defs := make([]model.ToolDef, 0, len(t.tools))
	for _, tl := range t.tools {
		defs = append(defs, model.ToolDef{Name: tl.Name, Description: tl.Description, InputSchema: tl.Schema})
	}
	return defs
}
