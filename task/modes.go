package task

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/agentls/agentls/tools"
)

// Mode is a set of tool groups and a role for the model.
type Mode struct {
	Name   string
	Role   string
	Groups []tools.Group
	// EditAllowed restricts which paths the edit group may touch; nil
	// allows every path.
	EditAllowed func(path string) bool
	// EditRule says in words what EditAllowed allows, for error results.
	EditRule string
}

// Modes returns the modes of the contract, the default first.
func Modes() []Mode {
	return []Mode{
		{Name: "code", Role: "You are a skilled software engineer who reads, writes and runs code to get the task done.",
			Groups: []tools.Group{tools.GroupRead, tools.GroupEdit, tools.GroupCommand}},
		{Name: "ask", Role: "You answer questions about the code in the workspace; you read and search but change nothing.",
			Groups: []tools.Group{tools.GroupRead}},
		{Name: "architect", Role: "You are a software architect: you study the code and write plans and designs as Markdown documents.",
			Groups:      []tools.Group{tools.GroupRead, tools.GroupEdit},
			EditAllowed: isMarkdown, EditRule: "architect mode may only edit Markdown files (*.md)"},
		{Name: "orchestrator", Role: "You coordinate complex work by breaking it into subtasks and delegating each to the right mode with new_task.",
			Groups: nil},
	}
}

// DefaultMode is the mode of a task that names none.
const DefaultMode = "code"

// ModeNames lists the names of Modes.
func ModeNames() []string {
	var names []string
	for _, m := range Modes() {
		names = append(names, m.Name)
	}
	return names
}

// LookupMode returns the named mode ("" means DefaultMode).
func LookupMode(name string) (Mode, error) {
	if name == "" {
		name = DefaultMode
	}
	for _, m := range Modes() {
		if m.Name == name {
			return m, nil
		}
	}
	return Mode{}, fmt.Errorf("unknown mode %q (want one of %s)", name, strings.Join(ModeNames(), ", "))
}

func isMarkdown(p string) bool {
	ext := strings.ToLower(path.Ext(strings.ReplaceAll(p, `\`, "/")))
	return ext == ".md" || ext == ".markdown"
}

// ToolsFor returns the tools a task of this mode may use. A background task
// gets only read-only tools, whatever its mode.
func (m Mode) ToolsFor(background bool) []tools.Tool {
	var out []tools.Tool
	for _, t := range tools.All() {
		if background {
			if t.ReadOnly {
				out = append(out, t)
			}
			continue
		}
		if t.Group == tools.GroupAlways || slices.Contains(m.Groups, t.Group) {
			out = append(out, t)
		}
	}
	return out
}
