package tools

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWorkspaceToolDefinitions(t *testing.T) {
	want := map[string]struct {
		group    Group
		readOnly bool
		required []string
	}{
		"read_file":                  {GroupRead, true, []string{"path"}},
		"list_files":                 {GroupRead, true, []string{"path"}},
		"search_files":               {GroupRead, true, []string{"path", "regex"}},
		"list_code_definition_names": {GroupRead, true, []string{"path"}},
		"write_to_file":              {GroupEdit, false, []string{"path", "content"}},
		"apply_diff":                 {GroupEdit, false, []string{"path", "diff"}},
		"execute_command":            {GroupCommand, false, []string{"command"}},
	}
	seen := 0
	for _, tool := range All() {
		w, ok := want[tool.Name]
		if !ok {
			assert.Nil(t, tool.Run, "control tool %s has no Run", tool.Name)
			continue
		}
		seen++
		t.Run(tool.Name, func(t *testing.T) {
			assert.Equal(t, w.group, tool.Group)
			assert.Equal(t, w.readOnly, tool.ReadOnly)
			assert.NotNil(t, tool.Run)
			assert.Greater(t, len(tool.Description), 100, "the description states the limits")
			var schema struct {
				Type       string                     `json:"type"`
				Properties map[string]json.RawMessage `json:"properties"`
				Required   []string                   `json:"required"`
			}
			require.NoError(t, json.Unmarshal(tool.Schema, &schema))
			assert.Equal(t, "object", schema.Type)
			assert.Equal(t, w.required, schema.Required)
			for _, r := range w.required {
				assert.Contains(t, schema.Properties, r)
			}
			// Every required field is reported by name when missing.
			for _, r := range w.required {
				_, err := tool.Run(t.Context(), nil, json.RawMessage(`{}`))
				require.Error(t, err)
				assert.Contains(t, err.Error(), `"`+w.required[0]+`"`, r)
			}
		})
	}
	assert.Equal(t, len(want), seen)
}
