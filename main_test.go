package main

import (
	"bytes"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// The README's first command must keep working.
func TestDemoRunsTheDelegatingTaskToTheEnd(t *testing.T) {
	var out bytes.Buffer
	require.Equal(t, 0, runDemo(&out, nil), out.String())
	text := out.String()
	assert.Contains(t, text, `"Tour this project and document it" is completed   stack []`)
	assert.Contains(t, text, "approval asked")
	assert.Contains(t, text, `Background task "Summarise README.md in one line" completed`)
	assert.Contains(t, text, "[progress end]")
	assert.Contains(t, text, "server exited with code 0")
}

func TestFlagsAndEnvironment(t *testing.T) {
	env := map[string]string{"AGENTLS_PROVIDER": "anthropic", "AGENTLS_DATA_DIR": "/tmp/x"}
	cfg, _, err := parseFlags([]string{"--stdio", "--max-concurrent", "5", "--auto-approve=read,edit", "--unknown"},
		func(k string) string { return env[k] }, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "anthropic", cfg.Model.Provider)
	assert.Equal(t, "/tmp/x", cfg.DataDir)
	assert.Equal(t, 5, cfg.MaxConcurrent)
	assert.Equal(t, []string{"read", "edit"}, cfg.AutoApprove)

	_, _, err = parseFlags([]string{"--max-concurrent", "99"}, func(string) string { return "" }, io.Discard)
	assert.ErrorContains(t, err, "maxConcurrent")
	_, _, err = parseFlags([]string{"--timeout"}, func(string) string { return "" }, io.Discard)
	assert.ErrorContains(t, err, "--timeout needs a value")
}
