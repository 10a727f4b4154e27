package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
)

func listFilesTool() Tool {
	return Tool{
		Name:        "list_files",
		Description: "List files.",
		Group:       GroupRead,
		ReadOnly:    true,
		Schema: json.RawMessage(`{"type":"object","properties":{
"path":{"type":"string"},"recursive":{"type":"boolean"}},"required":["path"]}`),
		Run: runListFiles,
	}
}

type listFilesInput struct {
	Path      string `json:"path"`
	Recursive bool   `json:"recursive"`
}

func runListFiles(ctx context.Context, ws *Workspace, input json.RawMessage) (string, error) {
	var in listFilesInput
	if err := decodeInput(input, &in, "path"); err != nil {
		return "", err
	}
	abs, err := ws.Resolve(in.Path)
	if err != nil {
		return "", err
	}
	entries, err := os.ReadDir(abs)
	if err != nil {
		return "", fmt.Errorf("cannot list %q: %v", in.Path, unwrapPathError(err))
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() {
			n += "/"
		}
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, "\n"), nil
}
