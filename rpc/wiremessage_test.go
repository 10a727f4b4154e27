package rpc_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/agentls/agentls/rpc"
	"github.com/agentls/agentls/store"
)

func TestAQuestionAlwaysCarriesSuggestions(t *testing.T) {
	q := store.Message{ID: "q", Kind: store.KindQuestion, Text: "Which?"}
	b, err := json.Marshal(rpc.TaskMessageParams{TaskID: "t", Message: q})
	require.NoError(t, err)
	assert.JSONEq(t, `{"taskId":"t","message":{"id":"q","ts":"0001-01-01T00:00:00.000Z","kind":"question","text":"Which?","suggestions":[]}}`, string(b))
	var back rpc.TaskMessageParams
	require.NoError(t, json.Unmarshal(b, &back), "the params still decode")
	assert.Equal(t, "Which?", back.Message.Text)

	b, err = json.Marshal(rpc.GetResult{Task: store.TaskInfo{TaskID: "t"}, Messages: []store.Message{q, {ID: "u", Kind: store.KindUser, Text: "x"}}})
	require.NoError(t, err)
	var got struct {
		Messages []map[string]any `json:"messages"`
	}
	require.NoError(t, json.Unmarshal(b, &got))
	assert.Equal(t, []any{}, got.Messages[0]["suggestions"])
	assert.NotContains(t, got.Messages[1], "suggestions")
}
