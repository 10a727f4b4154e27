// Package store keeps task history on disk: every task's metadata and the
// append-only log of its conversation, grouped by workspace root, so that a
// task survives editor restarts and process crashes and can be resumed.
//
// The types in this file are the domain records of a conversation. They are
// persisted in the same flat JSON shape that the wire contract uses for
// Message and TaskInfo, so the rpc layer sends them as they are.
package store

import "time"

// Status is the lifecycle state of a task.
type Status string

// Task statuses, as named by the wire contract.
const (
	StatusQueued    Status = "queued"
	StatusRunning   Status = "running"
	StatusWaiting   Status = "waiting" // waiting for the user
	StatusPaused    Status = "paused"  // a foreground child is running
	StatusCompleted Status = "completed"
	StatusFailed    Status = "failed"
	StatusTimedOut  Status = "timed_out"
	StatusCancelled Status = "cancelled"
)

// Final reports whether no further work happens in a task with this status
// unless the user continues it.
func (s Status) Final() bool {
	switch s {
	case StatusCompleted, StatusFailed, StatusTimedOut, StatusCancelled:
		return true
	}
	return false
}

// Usage counts model tokens, summed over a task's model turns.
type Usage struct {
	InputTokens  int64 `json:"inputTokens"`
	OutputTokens int64 `json:"outputTokens"`
}

// TaskInfo describes one task.
type TaskInfo struct {
	TaskID     string `json:"taskId"`
	ParentID   string `json:"parentId,omitempty"`
	Title      string `json:"title"`
	Mode       string `json:"mode"`
	Background bool   `json:"background"`
	Status     Status `json:"status"`
	CreatedAt  Time   `json:"createdAt"`
	UpdatedAt  Time   `json:"updatedAt"`
	Result     string `json:"result,omitempty"`
	Error      string `json:"error,omitempty"`
	Usage      *Usage `json:"usage,omitempty"`
}

// Message kinds, as named by the wire contract.
const (
	KindUser       = "user"
	KindText       = "text"
	KindTool       = "tool"
	KindQuestion   = "question"
	KindCompletion = "completion"
	KindBackground = "background"
	KindError      = "error"
)

// Tool call statuses carried by messages of kind "tool".
const (
	ToolPending  = "pending"
	ToolApproved = "approved"
	ToolDenied   = "denied"
	ToolDone     = "done"
	ToolError    = "error"
)

// Message is one event of a task's conversation. It is flat: the fields of
// each kind sit beside Kind, and the ones a kind does not use stay empty.
//
// Turn and CallID are extensions to the contract: Turn numbers the model
// answer (1-based) that produced a text, tool or reminder message, and CallID
// ties a tool message to the model's tool call, so that the model-facing
// history can be rebuilt exactly from the stored conversation.
type Message struct {
	ID   string `json:"id"`
	TS   Time   `json:"ts"`
	Kind string `json:"kind"`

	Text    string `json:"text,omitempty"`    // user, text, question, error
	Partial bool   `json:"partial,omitempty"` // text: a streamed chunk holding the text so far

	Name   string `json:"name,omitempty"`   // tool
	Input  any    `json:"input,omitempty"`  // tool: the arguments as the model sent them
	Status string `json:"status,omitempty"` // tool: pending..error; background: the outcome
	Output string `json:"output,omitempty"` // tool

	Suggestions []string `json:"suggestions,omitempty"` // question

	Result string `json:"result,omitempty"` // completion, background

	TaskID string `json:"taskId,omitempty"` // background: the background task
	Title  string `json:"title,omitempty"`  // background

	Turn     int    `json:"turn,omitempty"`
	CallID   string `json:"callId,omitempty"`
	Reminder bool   `json:"reminder,omitempty"` // error: a reminder sent to the model
}

// Time is a UTC instant that marshals as RFC 3339 with milliseconds.
type Time struct{ time.Time }

// TimeLayout is the contract's time format.
const TimeLayout = "2006-01-02T15:04:05.000Z07:00"

// Now returns the current time as a Time.
func Now() Time { return Time{time.Now().UTC()} }

// MarshalJSON writes the time in TimeLayout, in UTC.
func (t Time) MarshalJSON() ([]byte, error) {
	return []byte(`"` + t.UTC().Format(TimeLayout) + `"`), nil
}

// UnmarshalJSON reads any RFC 3339 time.
func (t *Time) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	v, err := time.Parse(`"`+time.RFC3339Nano+`"`, string(b))
	if err != nil {
		return err
	}
	t.Time = v.UTC()
	return nil
}
