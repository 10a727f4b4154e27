package tools

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeInput(t *testing.T) {
	type in struct {
		Path  string   `json:"path"`
		Line  *int     `json:"line"`
		Flag  bool     `json:"flag"`
		Secs  *float64 `json:"secs"`
		Items []string `json:"items"`
	}
	tests := []struct {
		input   string
		errPart string
	}{
		{input: `{"path":"a","extra":{"x":1}}`},
		{input: ``, errPart: `missing required field "path"`},
		{input: `null`, errPart: "JSON object"},
		{input: `"a"`, errPart: "JSON object"},
		{input: `[1]`, errPart: "JSON object"},
		{input: `{"path":null}`, errPart: `missing required field "path"`},
		{input: `{"path":1}`, errPart: `field "path" must be a string, not number`},
		{input: `{"path":"a","line":2.5}`, errPart: `field "line" must be an integer, not number 2.5`},
		{input: `{"path":"a","flag":"true"}`, errPart: `field "flag" must be a boolean, not string`},
		{input: `{"path":"a","secs":"3"}`, errPart: `field "secs" must be a number, not string`},
		{input: `{"path":"a","items":"x"}`, errPart: `field "items" must be an array, not string`},
		{input: `{"path":"a"`, errPart: "JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.input, func(t *testing.T) {
			var v in
			err := decodeInput(json.RawMessage(tt.input), &v, "path")
			if tt.errPart == "" {
				require.NoError(t, err)
				assert.Equal(t, "a", v.Path)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.errPart)
		})
	}
}
