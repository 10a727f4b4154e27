package session_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"

	"github.com/agentls/agentls/session"
)

func TestTitleIsTheFirstLineCutTo80Characters(t *testing.T) {
	assert.Equal(t, "Fix the bug", session.Title("  Fix the bug\nin main.go\n"))
	long := strings.Repeat("é", 100)
	got := session.Title(long)
	assert.Equal(t, 80, utf8.RuneCountInString(got))
	assert.Equal(t, strings.Repeat("é", 80), got, "the start of the line, without an ellipsis")
	assert.Equal(t, strings.Repeat("x", 80), session.Title(strings.Repeat("x", 80)))
}
