package model

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// turn is one assistant tool call of about thinkLen characters of text,
// answered by outLen characters of tool output.
func turn(id string, thinkLen, outLen int) []Message {
	return []Message{
		{Role: RoleAssistant, Text: strings.Repeat("t", thinkLen), ToolCalls: []ToolCall{{ID: id, Name: "read_file", Arguments: json.RawMessage(`{"path":"a.go"}`)}}},
		{Role: RoleTool, ToolCallID: id, ToolName: "read_file", Text: strings.Repeat("o", outLen)},
	}
}

func history(first string, turns ...[]Message) []Message {
	out := []Message{{Role: RoleUser, Text: first}}
	for _, t := range turns {
		out = append(out, t...)
	}
	return out
}

// checkPairs asserts that every tool result follows the assistant message
// that called it and every call has its result.
func checkPairs(t *testing.T, msgs []Message) {
	t.Helper()
	open := map[string]bool{}
	for i, m := range msgs {
		switch m.Role {
		case RoleAssistant:
			for id, pending := range open {
				assert.False(t, pending, "call %s has no result before message %d", id, i)
			}
			open = map[string]bool{}
			for _, c := range m.ToolCalls {
				open[c.ID] = true
			}
		case RoleTool:
			assert.True(t, open[m.ToolCallID], "result %s at %d has no call before it", m.ToolCallID, i)
			open[m.ToolCallID] = false
		}
	}
}

func TestEstimateTokens(t *testing.T) {
	assert.Equal(t, messageOverhead, EstimateTokens(Message{Role: RoleUser}))
	assert.Equal(t, 25+messageOverhead, EstimateTokens(Message{Role: RoleUser, Text: strings.Repeat("x", 100)}))
	assert.Equal(t, 1+messageOverhead, EstimateTokens(Message{Role: RoleUser, Text: "x"}), "rounds up")
	withCall := Message{Role: RoleAssistant, ToolCalls: []ToolCall{{ID: "abcd", Name: "read", Arguments: json.RawMessage(`{"p":"12"}`)}}}
	assert.Equal(t, 5+messageOverhead, EstimateTokens(withCall), "calls count: 4+4+10 chars")
}

func TestFitBudgetLeavesFittingHistoryAlone(t *testing.T) {
	msgs := history("fix it", turn("c1", 10, 100), turn("c2", 10, 100))
	assert.Equal(t, msgs, FitBudget(msgs, 10_000))
	assert.Equal(t, msgs, FitBudget(msgs, 0), "no budget, no limit")
	assert.Nil(t, FitBudget(nil, 100))
}

func TestFitBudgetTrimsOldToolOutputsFirst(t *testing.T) {
	msgs := history("fix it",
		turn("c1", 10, 8000), turn("c2", 10, 8000), turn("c3", 10, 300),
		turn("c4", 10, 4000), turn("c5", 10, 4000), turn("c6", 10, 4000))
	orig := append([]Message(nil), msgs...)
	total := EstimateHistory(msgs) // about 7100 tokens
	budget := total - 1000

	got := FitBudget(msgs, budget)
	assert.Equal(t, orig, msgs, "the input is not modified")
	require.Len(t, got, len(msgs), "stage 1 drops no message")
	assert.LessOrEqual(t, EstimateHistory(got), budget*3/4)
	assert.Equal(t, "[output of read_file trimmed to save context: it was 8000 characters; run the tool again if you need it]", got[2].Text)
	assert.Equal(t, "[output of read_file trimmed to save context: it was 8000 characters; run the tool again if you need it]", got[4].Text)
	assert.Equal(t, msgs[6].Text, got[6].Text, "short outputs are not worth a note")
	for i := 8; i < len(got); i++ {
		assert.Equal(t, msgs[i], got[i], "the last %d turns stay whole", keepTurns)
	}
	checkPairs(t, got)
}

func TestFitBudgetTrimsOnlyAsMuchAsNeeded(t *testing.T) {
	msgs := history("fix it", turn("c1", 10, 4000), turn("c2", 10, 4000),
		turn("c3", 10, 100), turn("c4", 10, 100), turn("c5", 10, 100))
	got := FitBudget(msgs, (EstimateHistory(msgs)-900)*4/3)
	assert.Contains(t, got[2].Text, "trimmed")
	assert.Equal(t, msgs[4].Text, got[4].Text, "the second output was not needed")
}

func TestFitBudgetCondensesTheMiddle(t *testing.T) {
	var turns [][]Message
	for i := range 40 {
		turns = append(turns, turn(fmt.Sprintf("c%d", i), 2000, 100))
	}
	msgs := history("the task: fix the build", turns...)
	budget := 10_000
	got := FitBudget(msgs, budget)

	assert.LessOrEqual(t, EstimateHistory(got), budget*3/4)
	assert.Equal(t, msgs[0], got[0], "the first user message stays")
	require.Equal(t, RoleUser, got[1].Role)
	omitted := len(msgs) - (len(got) - 1)
	assert.Equal(t, fmt.Sprintf("[%d earlier messages of this conversation were omitted to fit the context window; re-read files or re-run tools if you need what they held]", omitted), got[1].Text)
	assert.Equal(t, RoleAssistant, got[2].Role, "the tail starts with a whole turn")
	assert.Equal(t, msgs[len(msgs)-1], got[len(got)-1], "the latest turn stays")
	assert.Equal(t, msgs[len(msgs)-(len(got)-2):], got[2:], "the tail is the latest messages, unchanged")
	assert.Greater(t, len(got), 6, "as many recent turns as fit")
	checkPairs(t, got)
}

func TestFitBudgetKeepsManyResultsWithTheirCall(t *testing.T) {
	// One assistant message with five calls; the tail may not start among
	// its results.
	big := Message{Role: RoleAssistant, Text: "reading"}
	var results []Message
	for i := range 5 {
		id := fmt.Sprintf("m%d", i)
		big.ToolCalls = append(big.ToolCalls, ToolCall{ID: id, Name: "read_file", Arguments: json.RawMessage(`{}`)})
		results = append(results, Message{Role: RoleTool, ToolCallID: id, ToolName: "read_file", Text: strings.Repeat("r", 300)})
	}
	var turns [][]Message
	for i := range 20 {
		turns = append(turns, turn(fmt.Sprintf("c%d", i), 1000, 50))
	}
	turns = append(turns, append([]Message{big}, results...))
	msgs := history("task", turns...)
	for _, budget := range []int{600, 800, 1000, 2000, 4000} {
		got := FitBudget(msgs, budget)
		checkPairs(t, got)
		assert.Equal(t, msgs[0], got[0])
	}
}

func TestFitBudgetClipsWhatStillDoesNotFit(t *testing.T) {
	msgs := history("task", turn("c1", 10, 100), turn("c2", 10, 200_000))
	budget := 8000
	got := FitBudget(msgs, budget)
	assert.LessOrEqual(t, EstimateHistory(got), budget*3/4)
	last := got[len(got)-1]
	assert.Equal(t, "c2", last.ToolCallID)
	assert.True(t, strings.HasPrefix(last.Text, "oooo"), "keeps the start")
	assert.True(t, strings.HasSuffix(last.Text, "oooo"), "keeps the end")
	assert.Contains(t, last.Text, "characters clipped to fit the context window")
	checkPairs(t, got)
}

func TestFitBudgetClipsOnRuneBoundaries(t *testing.T) {
	msgs := history("task", turn("c1", 10, 0))
	msgs[2].Text = strings.Repeat("日本", 20_000)
	got := FitBudget(msgs, 2000)
	assert.True(t, strings.ToValidUTF8(got[2].Text, "\uFFFD") == got[2].Text, "valid UTF-8")
}

func TestFitBudgetInvariants(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		var turns [][]Message
		for i := range 1 + rng.IntN(30) {
			tr := turn(fmt.Sprintf("r%d-%d", round, i), rng.IntN(3000), rng.IntN(20_000))
			if rng.IntN(4) == 0 {
				tr = append(tr, Message{Role: RoleUser, Text: strings.Repeat("u", rng.IntN(500))})
			}
			turns = append(turns, tr)
		}
		msgs := history("the task", turns...)
		budget := 500 + rng.IntN(40_000)
		got := FitBudget(msgs, budget)
		require.NotEmpty(t, got)
		assert.Equal(t, msgs[0], got[0], "round %d", round)
		assert.Equal(t, msgs[len(msgs)-1].ToolCallID, got[len(got)-1].ToolCallID, "round %d: the latest message stays", round)
		checkPairs(t, got)
		if EstimateHistory(msgs) > budget {
			assert.LessOrEqual(t, EstimateHistory(got), budget, "round %d", round)
		}
	}
}
