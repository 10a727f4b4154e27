package model

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzParseScript checks the script parser on arbitrary bytes: it never
// panics, it accepts only a single valid JSON document, its errors name the
// script, and a script it accepts plays back as SCRIPT.md says: turns in
// order, tool arguments that are objects, text streamed as chunks that add
// up to it, and a clear error after the last turn. Seeds live in
// testdata/fuzz/FuzzParseScript.
func FuzzParseScript(f *testing.F) {
	for _, s := range []string{
		`{"conversations":[]}`,
		`{"conversations":[{"match":"^hi","turns":[{"text":"hello there","toolCalls":[{"name":"attempt_completion","arguments":{"result":"ok"}}]}]}]}`,
		`{"conversations":[{"match":"(","turns":[]}]}`,
		`{"conversations":[{"match":"","turns":[{"delayMs":-1}]}]}`,
		`{"conversations":[{"match":"","turns":[{"error":"boom"},{"toolCalls":[{"name":" "}]}]}]}`,
		`{"conversations":[{"match":"","turns":[{"toolCalls":[{"name":"x","arguments":[1]}]}]}]}`,
		`{"conversations":null}`,
		`{"conversations":[]} trailing`,
		`{}`,
		`[]`,
	} {
		f.Add(s, "hi there")
	}
	f.Fuzz(func(t *testing.T, data, first string) {
		s, err := ParseScript("fuzz.json", []byte(data))
		if err != nil {
			require.Nil(t, s)
			assert.True(t, strings.HasPrefix(err.Error(), "script fuzz.json: "), "the error names the script: %v", err)
			return
		}
		require.NotNil(t, s)
		require.True(t, json.Valid([]byte(data)), "accepted a script that is not one valid JSON document: %q", data)
		playBack(t, s, first)
	})
}

// isSpace separates the words of streamed text, as the provider counts them.
func isSpace(r rune) bool { return r == ' ' }

// playBack runs one task against an accepted script until its turns run
// out. Delays are cut short by a cancelled context, which must then end the
// call with the context's error.
func playBack(t *testing.T, s *Script, first string) {
	conv := -1
	for i, c := range s.conversations {
		require.NotNil(t, c.re)
		if conv < 0 && c.re.MatchString(first) {
			conv = i
		}
	}
	req := Request{TaskID: "fuzz", Messages: []Message{{Role: RoleUser, Text: first}}}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if conv < 0 {
		_, err := s.Complete(context.Background(), req, nil)
		require.Error(t, err, "no conversation matches")
		return
	}
	turns := s.conversations[conv].Turns
	for i, turn := range turns {
		ctx := context.Background()
		if turn.DelayMs > 0 {
			ctx = cancelled
		}
		var streamed strings.Builder
		var chunks int
		resp, err := s.Complete(ctx, req, func(delta string) {
			chunks++
			streamed.WriteString(delta)
		})
		switch {
		case turn.DelayMs > 0:
			require.ErrorIs(t, err, context.Canceled, "turn %d", i)
			continue
		case turn.Error != "":
			require.Error(t, err, "turn %d", i)
			assert.Contains(t, err.Error(), turn.Error)
			continue
		}
		require.NoError(t, err, "turn %d", i)
		assert.Equal(t, turn.Text, resp.Text)
		assert.Equal(t, turn.Text, streamed.String(), "the chunks add up to the text")
		if len(strings.FieldsFunc(turn.Text, isSpace)) > 1 {
			assert.GreaterOrEqual(t, chunks, 2, "text of more than one word streams in chunks")
		}
		require.Len(t, resp.ToolCalls, len(turn.ToolCalls))
		for _, call := range resp.ToolCalls {
			assert.NotEmpty(t, strings.TrimSpace(call.Name))
			var args map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(call.Arguments, &args), "arguments %s", call.Arguments)
			assert.NotNil(t, args, "arguments must be an object")
		}
		req.Messages = append(req.Messages, Message{Role: RoleAssistant, Text: resp.Text, ToolCalls: resp.ToolCalls})
	}
	_, err := s.Complete(context.Background(), req, nil)
	require.Error(t, err, "a call after the last turn fails")
	assert.Contains(t, err.Error(), "has no turn")
}
