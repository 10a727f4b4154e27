// Package tools defines every tool the model can call: its name, the
// description the model reads, the JSON Schema of its input, its group, and
// whether it is read-only. Workspace tools also carry their implementation,
// confined to the workspace root by Workspace.Resolve. Control tools
// (questions, completion, subtasks, todos, waiting for background work)
// change the course of a task, so the task loop carries them out; only their
// definitions live here.
package tools

import (
	"context"
	"encoding/json"
)

// Group is an approval and mode group of tools.
type Group string

// Tool groups, as named by the wire contract.
const (
	GroupRead    Group = "read"
	GroupEdit    Group = "edit"
	GroupCommand Group = "command"
	GroupAlways  Group = "always" // needs no approval and is in every mode
)

// Tool is one tool offered to the model.
type Tool struct {
	Name        string
	Description string
	Schema      json.RawMessage // JSON Schema of the input object
	Group       Group
	// ReadOnly tools change nothing outside the task; only they are handed
	// to background tasks.
	ReadOnly bool
	// Run carries out a workspace tool. Its error is shown to the model as
	// an error result, so it must say what went wrong and how to do better.
	// Run is nil for control tools, which the task loop carries out.
	Run func(ctx context.Context, ws *Workspace, input json.RawMessage) (string, error)
}

// Names of the control tools.
const (
	AskFollowupQuestion = "ask_followup_question"
	AttemptCompletion   = "attempt_completion"
	NewTask             = "new_task"
	UpdateTodoList      = "update_todo_list"
	WaitForBackground   = "wait_for_background"
)
