package model

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestSystemPrompt(t *testing.T) {
	p := SystemPrompt(PromptInfo{
		Mode: "code", ModeRole: "You are a skilled software engineer.",
		Root: "/home/ana/proj", OS: "linux", Shell: "/bin/bash",
		Date:  time.Date(2025, 4, 22, 15, 4, 5, 0, time.UTC),
		Tools: []string{"read_file", "write_to_file", "ask_followup_question", "attempt_completion"},
	})
	for _, want := range []string{
		"You are agentls, a coding agent working in the user's workspace through tools. You are a skilled software engineer.\n",
		"- Act through tools: every answer must call a tool.",
		"- Make one tool call per action",
		"- Paths are relative to the workspace root",
		"- Ask with ask_followup_question only when",
		"- When the task is done, call attempt_completion with the result",
		"- Mode: code\n",
		"- Root: /home/ana/proj\n",
		"- OS: linux\n",
		"- Shell: /bin/bash\n",
		"- Date: 2025-04-22 (Tuesday)\n",
		"- Tools: read_file, write_to_file, ask_followup_question, attempt_completion",
	} {
		assert.Contains(t, p, want)
	}
	assert.NotContains(t, p, "background")
	assert.False(t, strings.HasSuffix(p, "\n"))
	assert.Less(t, len(p), 2000, "compact: it is paid on every call")
}

func TestSystemPromptBackground(t *testing.T) {
	p := SystemPrompt(PromptInfo{Mode: "ask", Root: "/r", Background: true,
		Tools: []string{"read_file", "attempt_completion"}})
	assert.Contains(t, p, "You run in the background: nobody can answer questions")
	assert.NotContains(t, p, "ask_followup_question")
	assert.Contains(t, p, "attempt_completion")
}

func TestSystemPromptOmitsUnknownFacts(t *testing.T) {
	p := SystemPrompt(PromptInfo{Tools: []string{"read_file"}})
	assert.NotContains(t, p, "- Shell:")
	assert.NotContains(t, p, "- Date:")
	assert.NotContains(t, p, "attempt_completion", "not on offer, not mentioned")
}
