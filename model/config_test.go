package model

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConfigJSONMatchesTheContract(t *testing.T) {
	var c Config
	require.NoError(t, json.Unmarshal([]byte(`{"provider":"openai","name":"gpt-4.1","baseURL":"http://127.0.0.1:11434/v1",
		"apiKeyEnv":"OPENAI_API_KEY","script":"s.json","contextWindow":32000,"maxTokens":4096}`), &c))
	assert.Equal(t, Config{Provider: "openai", Name: "gpt-4.1", BaseURL: "http://127.0.0.1:11434/v1",
		APIKeyEnv: "OPENAI_API_KEY", Script: "s.json", ContextWindow: 32000, MaxTokens: 4096}, c)
}

func TestConfigApplyEnv(t *testing.T) {
	env := map[string]string{"AGENTLS_PROVIDER": "anthropic", "AGENTLS_MODEL": " claude-x ", "AGENTLS_BASE_URL": "http://proxy:8080"}
	getenv := func(k string) string { return env[k] }

	var c Config
	c.ApplyEnv(getenv)
	assert.Equal(t, Config{Provider: "anthropic", Name: "claude-x", BaseURL: "http://proxy:8080"}, c)

	c = Config{Provider: "openai", Name: "gpt-4.1"}
	c.ApplyEnv(getenv)
	assert.Equal(t, Config{Provider: "openai", Name: "gpt-4.1", BaseURL: "http://proxy:8080"}, c, "set fields win over the environment")
}

func TestConfigDefaults(t *testing.T) {
	assert.Equal(t, Config{Provider: "openai", Name: "gpt-4.1", APIKeyEnv: "OPENAI_API_KEY", ContextWindow: 128_000}, Config{}.WithDefaults())
	assert.Equal(t, Config{Provider: "anthropic", Name: DefaultAnthropicModel, APIKeyEnv: "ANTHROPIC_API_KEY", ContextWindow: 128_000},
		Config{Provider: "anthropic"}.WithDefaults())
	assert.Equal(t, Config{Provider: "script", Script: "s.json", ContextWindow: 128_000}, Config{Provider: "script", Script: "s.json"}.WithDefaults())
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		c    Config
		want string
	}{
		{"empty is fine", Config{}, ""},
		{"local server", Config{Provider: "openai", BaseURL: "http://127.0.0.1:11434/v1", Name: "qwen3"}, ""},
		{"unknown provider", Config{Provider: "x"}, `model.provider: unknown provider "x" (want openai, anthropic or script)`},
		{"script without file", Config{Provider: "script"}, `model.script: required when model.provider is "script"`},
		{"relative url", Config{BaseURL: "localhost:11434"}, `model.baseURL: "localhost:11434" is not an http(s) URL`},
		{"ftp url", Config{BaseURL: "ftp://host/v1"}, `model.baseURL: "ftp://host/v1" is not an http(s) URL`},
		{"key in apiKeyEnv", Config{APIKeyEnv: "sk-proj-abc123"}, "model.apiKeyEnv: must name an environment variable (letters, digits, _), not hold the key itself"},
		{"digit first", Config{APIKeyEnv: "1KEY"}, "model.apiKeyEnv: must name an environment variable (letters, digits, _), not hold the key itself"},
		{"good env name", Config{APIKeyEnv: "OPENROUTER_API_KEY"}, ""},
		{"tiny window", Config{ContextWindow: 100}, "model.contextWindow: 100 is too small (at least 2048 tokens)"},
		{"negative window", Config{ContextWindow: -1}, "model.contextWindow: -1 is too small (at least 2048 tokens)"},
		{"negative max", Config{MaxTokens: -5}, "model.maxTokens: -5 is negative"},
		{"max over window", Config{ContextWindow: 8192, MaxTokens: 8192}, "model.maxTokens: 8192 does not fit the 8192-token context window"},
		{"max over default window", Config{MaxTokens: 200_000}, "model.maxTokens: 200000 does not fit the 128000-token context window"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.Validate()
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.EqualError(t, err, tt.want)
		})
	}
}

func TestHistoryBudget(t *testing.T) {
	assert.Equal(t, 128_000-DefaultMaxTokens-6000, Config{}.HistoryBudget())
	assert.Equal(t, 200_000-64_000-6000, Config{ContextWindow: 200_000, MaxTokens: 64_000}.HistoryBudget())
	assert.Equal(t, 8192/4, Config{ContextWindow: 8192}.HistoryBudget(), "a small window keeps a quarter for history")
}

func TestNewProvider(t *testing.T) {
	getenv := func(string) string { return "" }
	_, err := NewProvider(Config{Provider: "nope"}, ProviderOptions{Getenv: getenv})
	assert.EqualError(t, err, `model.provider: unknown provider "nope" (want openai, anthropic or script)`)

	p, err := NewProvider(Config{BaseURL: "http://127.0.0.1:1/v1"}, ProviderOptions{Getenv: getenv})
	require.NoError(t, err)
	assert.IsType(t, &OpenAI{}, p)

	p, err = NewProvider(Config{Provider: "anthropic"}, ProviderOptions{Getenv: getenv})
	require.NoError(t, err)
	assert.IsType(t, &Anthropic{}, p)

	p, err = NewProvider(Config{Provider: "script", Script: "/does/not/exist.json"}, ProviderOptions{})
	assert.Error(t, err)
	assert.Nil(t, p, "no typed nil in the interface")
}
