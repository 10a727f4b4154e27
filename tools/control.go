package tools

import "encoding/json"

// AskFollowupQuestionInput is the input of ask_followup_question.
type AskFollowupQuestionInput struct {
	Question    string   `json:"question"`
	Suggestions []string `json:"suggestions,omitempty"`
}

// AttemptCompletionInput is the input of attempt_completion.
type AttemptCompletionInput struct {
	Result string `json:"result"`
}

// NewTaskInput is the input of new_task.
type NewTaskInput struct {
	Mode       string `json:"mode"`
	Message    string `json:"message"`
	Background bool   `json:"background,omitempty"`
}

// UpdateTodoListInput is the input of update_todo_list. Todos is either a
// Markdown checklist string or a list of items; both are kept as sent.
type UpdateTodoListInput struct {
	Todos json.RawMessage `json:"todos"`
}

// WaitForBackgroundInput is the input of wait_for_background.
type WaitForBackgroundInput struct {
	TaskIDs        []string `json:"task_ids,omitempty"`
	TimeoutSeconds *float64 `json:"timeout_seconds,omitempty"`
}

func controlTools() []Tool {
	return []Tool{
		{
			Name:        AskFollowupQuestion,
			Group:       GroupAlways,
			Description: "Ask the user a question when you cannot go on without their answer. Offer 2-4 short suggested answers when you can. The task waits until the user replies; their reply is this tool's result.",
			Schema: json.RawMessage(`{"type":"object","properties":{
"question":{"type":"string","description":"The question to ask, clear and specific."},
"suggestions":{"type":"array","items":{"type":"string"},"description":"Suggested answers the user can pick."}},
"required":["question"],"additionalProperties":false}`),
		},
		{
			Name:        AttemptCompletion,
			Group:       GroupAlways,
			ReadOnly:    true,
			Description: "Finish the task and present its result to the user (or, in a subtask, to the parent task). Call it only when the work is done; the result should be final and not end with a question.",
			Schema: json.RawMessage(`{"type":"object","properties":{
"result":{"type":"string","description":"The result of the task."}},
"required":["result"],"additionalProperties":false}`),
		},
		{
			Name:  NewTask,
			Group: GroupAlways,
			Description: "Start a subtask in the given mode with the given instructions. " +
				"Without background, this task pauses until the subtask completes and its result is this tool's result. " +
				"With background: true the subtask runs read-only beside this task (it may only read, list and search files) and this tool returns at once with its id; " +
				"its outcome is added to this conversation when it finishes, or collect it with wait_for_background.",
			Schema: json.RawMessage(`{"type":"object","properties":{
"mode":{"type":"string","description":"Mode of the subtask: code, ask, architect or orchestrator."},
"message":{"type":"string","description":"Complete instructions for the subtask; it does not see this conversation."},
"background":{"type":"boolean","description":"Run read-only in the background and return at once."}},
"required":["mode","message"],"additionalProperties":false}`),
		},
		{
			Name:        UpdateTodoList,
			Group:       GroupAlways,
			Description: "Replace the task's todo list. Use a Markdown checklist: one item a line, \"[ ]\" pending, \"[-]\" in progress, \"[x]\" done.",
			Schema: json.RawMessage(`{"type":"object","properties":{
"todos":{"description":"The whole todo list as a Markdown checklist, or a list of items.","anyOf":[{"type":"string"},{"type":"array"}]}},
"required":["todos"],"additionalProperties":false}`),
		},
		{
			Name:  WaitForBackground,
			Group: GroupAlways,
			Description: "Wait until background subtasks of this task have an outcome, or the timeout passes (default 300 seconds). " +
				"Without task_ids, waits for all of them. Returns the outcomes not yet delivered to this conversation.",
			Schema: json.RawMessage(`{"type":"object","properties":{
"task_ids":{"type":"array","items":{"type":"string"},"description":"Ids of the background tasks to wait for; all when absent."},
"timeout_seconds":{"type":"number","minimum":0,"description":"How long to wait at most."}},
"additionalProperties":false}`),
		},
	}
}
