package rpc

import (
	"encoding/json"

	"github.com/agentls/agentls/store"
)

// wireMessage is a Message as it goes out: a question always carries its
// suggestions, as an empty list when it has none, because the contract
// lists the field for the kind. The stored form keeps omitting it.
type wireMessage store.Message

func (m wireMessage) MarshalJSON() ([]byte, error) {
	type plain store.Message
	if m.Kind != store.KindQuestion || len(m.Suggestions) > 0 {
		return json.Marshal(plain(m))
	}
	return json.Marshal(struct {
		plain
		Suggestions []string `json:"suggestions"`
	}{plain(m), []string{}})
}

// MarshalJSON sends the message in its wire form. This is the hottest
// path of the server, so only a question pays for the wrapper.
func (p TaskMessageParams) MarshalJSON() ([]byte, error) {
	if p.Message.Kind != store.KindQuestion {
		type plain TaskMessageParams
		return json.Marshal(plain(p))
	}
	return json.Marshal(struct {
		TaskID  string      `json:"taskId"`
		Message wireMessage `json:"message"`
	}{p.TaskID, wireMessage(p.Message)})
}

// MarshalJSON sends the messages in their wire form.
func (r GetResult) MarshalJSON() ([]byte, error) {
	msgs := make([]wireMessage, len(r.Messages))
	for i, m := range r.Messages {
		msgs[i] = wireMessage(m)
	}
	return json.Marshal(struct {
		Task     TaskInfo      `json:"task"`
		Messages []wireMessage `json:"messages"`
	}{r.Task, msgs})
}
