package model

import (
	"fmt"
	"slices"
)

// Token estimates: about four characters a token, plus a few tokens of
// framing per message. Real tokenizers differ by model; the budget keeps
// headroom for that.
const (
	charsPerToken   = 4
	messageOverhead = 4
)

// EstimateTokens estimates the tokens m takes in a request.
func EstimateTokens(m Message) int {
	n := len(m.Text)
	for _, c := range m.ToolCalls {
		n += len(c.Name) + len(c.Arguments) + len(c.ID)
	}
	return (n+charsPerToken-1)/charsPerToken + messageOverhead
}

// EstimateHistory estimates the tokens of a whole history.
func EstimateHistory(msgs []Message) int {
	total := 0
	for _, m := range msgs {
		total += EstimateTokens(m)
	}
	return total
}

const (
	// keepTurns is how many of the latest assistant turns (with their tool
	// results) stay untouched by the first stage.
	keepTurns = 3
	// trimAbove is the size of a tool output worth replacing by a note.
	trimAbove = 400
	// clipMin is the least the last stage keeps of a message it clips
	// (unless the budget is tiny).
	clipMin = 2000
)

// FitBudget returns the history cut to about budgetTokens (see
// EstimateTokens); a history that fits, or a budget <= 0, comes back as is.
// It never modifies msgs.
//
// Over budget, it shrinks the history to three quarters of the budget, so
// that the next turns do not land at the edge again, in three stages, each
// only when the one before was not enough:
//
//  1. Tool outputs older than the last keepTurns assistant turns are
//     replaced, oldest first, by a short note saying what was dropped.
//  2. The middle of the conversation is dropped: the first user message
//     (the task) and as many recent turns as fit stay, with one user note
//     between them saying how many messages were left out. An assistant
//     message and the tool results answering it stay or go together.
//  3. The longest messages that remain are clipped in their middle.
func FitBudget(msgs []Message, budgetTokens int) []Message {
	if budgetTokens <= 0 || EstimateHistory(msgs) <= budgetTokens {
		return msgs
	}
	target := budgetTokens * 3 / 4
	out := slices.Clone(msgs)
	if trimOldOutputs(out, target) {
		return out
	}
	out = condenseMiddle(out, target)
	if EstimateHistory(out) > target {
		out = clipLongest(out, target)
	}
	return out
}

// trimOldOutputs replaces old tool outputs by notes, oldest first, until
// the history fits target; it reports whether it does.
func trimOldOutputs(msgs []Message, target int) bool {
	total := EstimateHistory(msgs)
	recent := recentStart(msgs, keepTurns)
	for i := 0; i < recent && total > target; i++ {
		m := &msgs[i]
		if m.Role != RoleTool || len(m.Text) <= trimAbove {
			continue
		}
		before := EstimateTokens(*m)
		m.Text = fmt.Sprintf("[output of %s trimmed to save context: it was %d characters; run the tool again if you need it]", m.ToolName, len(m.Text))
		total += EstimateTokens(*m) - before
	}
	return total <= target
}

// recentStart is the index of the turns-th last assistant message (0 when
// there are fewer).
func recentStart(msgs []Message, turns int) int {
	seen := 0
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == RoleAssistant {
			seen++
			if seen == turns {
				return i
			}
		}
	}
	return 0
}

// condenseMiddle keeps the head (up to the first user message) and the
// longest tail of whole turns that fits, with a note between them.
func condenseMiddle(msgs []Message, target int) []Message {
	// head is 0 when there is no user message: nothing to pin.
	head := slices.IndexFunc(msgs, func(m Message) bool { return m.Role == RoleUser }) + 1
	noteTokens := EstimateTokens(omittedNote(len(msgs)))
	room := target - EstimateHistory(msgs[:head]) - noteTokens

	// Walk back over groups: a run of tool results belongs to the
	// assistant message before it, so the tail never starts with one.
	tail := len(msgs)
	used := 0
	for tail > head {
		start := tail - 1
		for start > head && msgs[start].Role == RoleTool {
			start--
		}
		cost := EstimateHistory(msgs[start:tail])
		// The newest group always stays: without it the model would not
		// know what it just did.
		if used+cost > room && tail < len(msgs) {
			break
		}
		used += cost
		tail = start
	}
	if tail <= head {
		return msgs // everything fits after all
	}
	out := make([]Message, 0, head+1+len(msgs)-tail)
	out = append(out, msgs[:head]...)
	out = append(out, omittedNote(tail-head))
	return append(out, msgs[tail:]...)
}

func omittedNote(n int) Message {
	return Message{Role: RoleUser, Text: fmt.Sprintf("[%d earlier messages of this conversation were omitted to fit the context window; re-read files or re-run tools if you need what they held]", n)}
}

// clipLongest clips the longest texts in their middle until the history
// fits target or nothing long is left.
func clipLongest(msgs []Message, target int) []Message {
	const noteRoom = 100 // the clip note's own length, about
	// Keep clipMin characters of a message, less when the budget is tiny.
	least := min(clipMin, max(2*noteRoom, target*charsPerToken/10))
	for range 64 {
		over := EstimateHistory(msgs) - target
		if over <= 0 {
			break
		}
		i := longest(msgs)
		if i < 0 {
			break
		}
		m := msgs[i].Text
		keep := max(len(m)-over*charsPerToken-noteRoom, least, len(m)/2)
		if len(m)-keep < 2*noteRoom {
			break // clipping would not pay for its own note
		}
		front := runeStart(m, keep/2)
		back := runeStart(m, len(m)-keep/2)
		msgs[i].Text = m[:front] + fmt.Sprintf("\n[… %d characters clipped to fit the context window …]\n", back-front) + m[back:]
	}
	return msgs
}

// runeStart moves i back to the start of the UTF-8 sequence it falls in.
func runeStart(s string, i int) int {
	for i > 0 && i < len(s) && !isRuneStart(s[i]) {
		i--
	}
	return i
}

func longest(msgs []Message) int {
	best, at := 0, -1
	for i, m := range msgs {
		if len(m.Text) > best {
			best, at = len(m.Text), i
		}
	}
	return at
}
