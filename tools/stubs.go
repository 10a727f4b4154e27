package tools

import (
	"context"
	"encoding/json"
	"errors"
)

func notYet(context.Context, *Workspace, json.RawMessage) (string, error) {
	return "", errors.New("this tool is not implemented yet")
}

func searchFilesTool() Tool {
	return Tool{Name: "search_files", Group: GroupRead, ReadOnly: true, Description: "Search files.",
		Schema: json.RawMessage(`{"type":"object","properties":{"path":{"type":"string"},"regex":{"type":"string"},"file_pattern":{"type":"string"}},"required":["path","regex"]}`),
		Run:    notYet}
}

func listCodeDefinitionNamesTool() Tool {
	return Tool{Name: "list_code_definition_names", Group: GroupRead, ReadOnly: true, Description: "List definitions.",
		Schema: json.RawMessage(`{"type":"object","properties":{"path":{"type":"string"}},"required":["path"]}`),
		Run:    notYet}
}

func applyDiffTool() Tool {
	return Tool{Name: "apply_diff", Group: GroupEdit, Description: "Apply a diff.",
		Schema: json.RawMessage(`{"type":"object","properties":{"path":{"type":"string"},"diff":{"type":"string"}},"required":["path","diff"]}`),
		Run:    notYet}
}

func executeCommandTool() Tool {
	return Tool{Name: "execute_command", Group: GroupCommand, Description: "Run a command.",
		Schema: json.RawMessage(`{"type":"object","properties":{"command":{"type":"string"},"cwd":{"type":"string"},"timeout_seconds":{"type":"number"}},"required":["command"]}`),
		Run:    notYet}
}
