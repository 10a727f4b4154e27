package model

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// PromptInfo is what the system prompt says about the task and where it
// runs.
type PromptInfo struct {
	Mode     string // mode name, e.g. code
	ModeRole string // the mode's role line
	Root     string // workspace root, absolute
	OS       string // e.g. linux
	Shell    string // e.g. /bin/bash
	Date     time.Time
	Tools    []string // names of the tools on offer
	// Background marks a background task: read-only, and nobody to ask.
	Background bool
}

// SystemPrompt writes the system prompt of a task: its role, the rules of
// tool use and the facts of the workspace. It stays short: the tools
// describe themselves, and every token here is paid on every call.
func SystemPrompt(p PromptInfo) string {
	var b strings.Builder
	b.WriteString("You are agentls, a coding agent working in the user's workspace through tools.")
	if p.ModeRole != "" {
		b.WriteString(" " + strings.TrimSpace(p.ModeRole))
	}
	b.WriteString("\n\n# Rules\n")
	rules := []string{
		"Act through tools: every answer must call a tool. Text alone does not reach the user as a result.",
		"Make one tool call per action and wait for its result before the next step; do not guess what a tool would return.",
		"Paths are relative to the workspace root; do not go outside it.",
		"Read before you change: look at a file before editing it, and keep edits small and precise.",
		"A tool result marked as an error says what went wrong: correct the call instead of repeating it.",
	}
	has := func(name string) bool { return len(p.Tools) == 0 || slices.Contains(p.Tools, name) }
	if p.Background {
		rules = append(rules, "You run in the background: nobody can answer questions and you cannot change files. Work with what the tools show you.")
	} else if has("ask_followup_question") {
		rules = append(rules, "Ask with ask_followup_question only when you cannot go on without the user's answer.")
	}
	if has("attempt_completion") {
		rules = append(rules, "When the task is done, call attempt_completion with the result; it ends the task.")
	}
	for _, r := range rules {
		b.WriteString("- " + r + "\n")
	}
	b.WriteString("\n# Workspace\n")
	fact := func(name, value string) {
		if value != "" {
			fmt.Fprintf(&b, "- %s: %s\n", name, value)
		}
	}
	fact("Mode", p.Mode)
	fact("Root", p.Root)
	fact("OS", p.OS)
	fact("Shell", p.Shell)
	if !p.Date.IsZero() {
		fact("Date", p.Date.Format("2006-01-02 (Monday)"))
	}
	if len(p.Tools) > 0 {
		fact("Tools", strings.Join(p.Tools, ", "))
	}
	return strings.TrimRight(b.String(), "\n")
}
