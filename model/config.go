package model

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
)

// Provider names accepted by Config.Provider.
const (
	ProviderOpenAI    = "openai"
	ProviderAnthropic = "anthropic"
	ProviderScript    = "script"
)

// Defaults of Config.
const (
	DefaultProvider       = ProviderOpenAI
	DefaultOpenAIModel    = "gpt-4.1"
	DefaultAnthropicModel = "claude-sonnet-4-5"
	DefaultContextWindow  = 128_000 // tokens
	DefaultMaxTokens      = 8192    // tokens per answer (anthropic requires a value)
)

// Config selects and configures the model provider; it is
// initializationOptions.model of the protocol.
type Config struct {
	// Provider is openai, anthropic or script; empty means DefaultProvider.
	Provider string `json:"provider,omitempty"`
	// Name is the model name; empty means the provider's default.
	Name string `json:"name,omitempty"`
	// BaseURL points the provider at another server, e.g. a local
	// OpenAI-compatible one such as http://127.0.0.1:11434/v1.
	BaseURL string `json:"baseURL,omitempty"`
	// APIKeyEnv names the environment variable holding the API key
	// (default OPENAI_API_KEY or ANTHROPIC_API_KEY).
	APIKeyEnv string `json:"apiKeyEnv,omitempty"`
	// Script is the script file of the script provider.
	Script string `json:"script,omitempty"`
	// ContextWindow is the model's context window in tokens (default
	// DefaultContextWindow); the history is fitted to it.
	ContextWindow int `json:"contextWindow,omitempty"`
	// MaxTokens bounds each answer (default: the server's own for openai,
	// DefaultMaxTokens for anthropic).
	MaxTokens int `json:"maxTokens,omitempty"`
}

// ApplyEnv fills the empty Provider, Name and BaseURL from AGENTLS_PROVIDER,
// AGENTLS_MODEL and AGENTLS_BASE_URL.
func (c *Config) ApplyEnv(getenv func(string) string) {
	fill := func(field *string, name string) {
		if *field == "" {
			*field = strings.TrimSpace(getenv(name))
		}
	}
	fill(&c.Provider, "AGENTLS_PROVIDER")
	fill(&c.Name, "AGENTLS_MODEL")
	fill(&c.BaseURL, "AGENTLS_BASE_URL")
}

// WithDefaults returns c with every empty field that has a default filled.
func (c Config) WithDefaults() Config {
	if c.Provider == "" {
		c.Provider = DefaultProvider
	}
	if c.Name == "" {
		switch c.Provider {
		case ProviderOpenAI:
			c.Name = DefaultOpenAIModel
		case ProviderAnthropic:
			c.Name = DefaultAnthropicModel
		}
	}
	if c.APIKeyEnv == "" {
		switch c.Provider {
		case ProviderOpenAI:
			c.APIKeyEnv = "OPENAI_API_KEY"
		case ProviderAnthropic:
			c.APIKeyEnv = "ANTHROPIC_API_KEY"
		}
	}
	if c.ContextWindow == 0 {
		c.ContextWindow = DefaultContextWindow
	}
	return c
}

// Validate checks c; the error names the offending field as the protocol
// spells it (model.provider, ...). It never repeats a value that might be a
// secret.
func (c Config) Validate() error {
	switch c.Provider {
	case "", ProviderOpenAI, ProviderAnthropic, ProviderScript:
	default:
		return fmt.Errorf("model.provider: unknown provider %q (want openai, anthropic or script)", c.Provider)
	}
	if c.Provider == ProviderScript && strings.TrimSpace(c.Script) == "" {
		return fmt.Errorf("model.script: required when model.provider is %q", ProviderScript)
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("model.baseURL: %q is not an http(s) URL", c.BaseURL)
		}
	}
	if c.APIKeyEnv != "" && !isEnvName(c.APIKeyEnv) {
		return fmt.Errorf("model.apiKeyEnv: must name an environment variable (letters, digits, _), not hold the key itself")
	}
	if c.ContextWindow < 0 || (c.ContextWindow > 0 && c.ContextWindow < minContextWindow) {
		return fmt.Errorf("model.contextWindow: %d is too small (at least %d tokens)", c.ContextWindow, minContextWindow)
	}
	if c.MaxTokens < 0 {
		return fmt.Errorf("model.maxTokens: %d is negative", c.MaxTokens)
	}
	if window := c.WithDefaults().ContextWindow; c.MaxTokens >= window {
		return fmt.Errorf("model.maxTokens: %d does not fit the %d-token context window", c.MaxTokens, window)
	}
	return nil
}

const minContextWindow = 2048

func isEnvName(s string) bool {
	for i, r := range s {
		switch {
		case r == '_', r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return s != ""
}

// HistoryBudget is the number of tokens the conversation history may take:
// the context window less room for the answer and for the system prompt and
// tool definitions, which travel with every call.
func (c Config) HistoryBudget() int {
	c = c.WithDefaults()
	answer := c.MaxTokens
	if answer == 0 {
		answer = DefaultMaxTokens
	}
	const fixed = 6000 // system prompt and tool schemas, estimated
	return max(c.ContextWindow-answer-fixed, c.ContextWindow/4)
}

// ProviderOptions are the runtime dependencies of NewProvider.
type ProviderOptions struct {
	// Getenv reads the API key variable; nil means os.Getenv.
	Getenv func(string) string
	// HTTPClient makes the requests; nil means a client with bounded
	// connect and TLS handshake times.
	HTTPClient *http.Client
	// Retry bounds retries; the zero value means the defaults.
	Retry RetryPolicy
}

// NewProvider makes the provider c selects. A missing API key is not an
// error here but at the first Complete, so that the editor can start and
// the user sees the problem on the task that needs the model.
func NewProvider(c Config, opts ProviderOptions) (Provider, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c = c.WithDefaults()
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	switch c.Provider {
	case ProviderOpenAI:
		return NewOpenAI(OpenAIOptions{
			Model: c.Name, BaseURL: c.BaseURL, APIKey: strings.TrimSpace(getenv(c.APIKeyEnv)), APIKeyEnv: c.APIKeyEnv,
			MaxTokens: c.MaxTokens, HTTPClient: opts.HTTPClient, Retry: opts.Retry,
		}), nil
	case ProviderAnthropic:
		return NewAnthropic(AnthropicOptions{
			Model: c.Name, BaseURL: c.BaseURL, APIKey: strings.TrimSpace(getenv(c.APIKeyEnv)), APIKeyEnv: c.APIKeyEnv,
			MaxTokens: c.MaxTokens, HTTPClient: opts.HTTPClient, Retry: opts.Retry,
		}), nil
	default:
		s, err := NewScript(c.Script)
		if err != nil {
			return nil, err // not a typed nil in the interface
		}
		return s, nil
	}
}
