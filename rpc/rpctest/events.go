package rpctest

import (
	"encoding/json"

	"github.com/stretchr/testify/require"

	"github.com/agentls/agentls/rpc"
	"github.com/agentls/agentls/store"
)

// Messages returns the completed messages the server announced for a
// task, collapsed to the last version of each id, in first-seen order: what
// an editor shows, and what the history must keep.
func (e *Editor) Messages(taskID string) []store.Message {
	e.t.Helper()
	var out []store.Message
	index := map[string]int{}
	for _, ev := range e.c.Events() {
		if ev.Method != "task/message" {
			continue
		}
		var p rpc.TaskMessageParams
		require.NoError(e.t, json.Unmarshal(ev.Params, &p))
		if p.TaskID != taskID || p.Message.Partial {
			continue
		}
		if i, ok := index[p.Message.ID]; ok {
			out[i] = p.Message
			continue
		}
		index[p.Message.ID] = len(out)
		out = append(out, p.Message)
	}
	return out
}

// States returns the statuses the task/state notifications reported for a
// task, in order.
func (e *Editor) States(taskID string) []store.Status {
	var out []store.Status
	for _, ev := range e.c.Events() {
		var p rpc.TaskStateParams
		if ev.Method == "task/state" && json.Unmarshal(ev.Params, &p) == nil && p.Task.TaskID == taskID {
			out = append(out, p.Task.Status)
		}
	}
	return out
}

// Dump returns the tail of the event log as JSON, for failure messages.
func (e *Editor) Dump() string {
	b, _ := json.Marshal(e.c.Events())
	if len(b) > e.dumpBytes {
		b = b[len(b)-e.dumpBytes:]
	}
	return string(b)
}

// Kinds lists the kinds of messages, for compact assertions.
func Kinds(msgs []store.Message) []string {
	out := []string{}
	for _, m := range msgs {
		out = append(out, m.Kind)
	}
	return out
}

// Find returns the first message of the kind (and tool name, if given).
func Find(msgs []store.Message, kind, name string) (store.Message, bool) {
	for _, m := range msgs {
		if m.Kind == kind && (name == "" || m.Name == name) {
			return m, true
		}
	}
	return store.Message{}, false
}

// FindTask returns the task with the id from a list.
func FindTask(tasks []store.TaskInfo, id string) (store.TaskInfo, bool) {
	for _, info := range tasks {
		if info.TaskID == id {
			return info, true
		}
	}
	return store.TaskInfo{}, false
}

// IsState reports whether task/state params report the task with the
// status.
func IsState(params json.RawMessage, taskID string, status store.Status) bool {
	var p rpc.TaskStateParams
	if json.Unmarshal(params, &p) != nil {
		return false
	}
	return p.Task.TaskID == taskID && p.Task.Status == status
}
