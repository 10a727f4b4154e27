package tools

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// decodeInput decodes a tool's JSON input object into v. Unknown fields are
// ignored. A required field that is missing or null, a field of the wrong
// type, or an input that is not an object gives an error naming the field,
// worded for the model to correct its call.
func decodeInput(input json.RawMessage, v any, required ...string) error {
	input = bytes.TrimSpace(input)
	if len(input) == 0 {
		input = json.RawMessage("{}")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(input, &fields); err != nil || fields == nil {
		return errors.New("the input must be a JSON object of named fields")
	}
	for _, name := range required {
		raw, ok := fields[name]
		if !ok || string(bytes.TrimSpace(raw)) == "null" {
			return fmt.Errorf("missing required field %q", name)
		}
	}
	if err := json.Unmarshal(input, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return fmt.Errorf("field %q must be %s, not %s", te.Field, jsonKind(te.Type.Kind().String()), te.Value)
		}
		return fmt.Errorf("invalid input: %v", err)
	}
	return nil
}

// jsonKind names a Go kind as its JSON type.
func jsonKind(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	case "slice", "array":
		return "an array"
	case "ptr":
		return "a value of another type"
	}
	return "a " + kind
}
