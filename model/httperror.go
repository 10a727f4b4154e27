package model

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// HTTPError is a non-2xx answer of a model server.
type HTTPError struct {
	Provider string
	Status   int
	// Message is the server's own error message (or the status text when
	// the body has none).
	Message string
	// RetryAfter is the server's Retry-After, zero when absent.
	RetryAfter time.Duration
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("%s: HTTP %d: %s", e.Provider, e.Status, e.Message)
}

// Temporary reports whether trying again later may succeed.
func (e *HTTPError) Temporary() bool {
	switch {
	case e.Status == http.StatusRequestTimeout, e.Status == http.StatusConflict,
		e.Status == http.StatusTooManyRequests, e.Status >= 500:
		return true
	}
	return false
}

// StreamError is an error event the server sent inside a stream.
type StreamError struct {
	Provider string
	Type     string // the server's error type, e.g. overloaded_error
	Message  string
}

func (e *StreamError) Error() string {
	if e.Type == "" {
		return fmt.Sprintf("%s: stream error: %s", e.Provider, e.Message)
	}
	return fmt.Sprintf("%s: stream error: %s: %s", e.Provider, e.Type, e.Message)
}

// Temporary reports whether the error type names a transient condition.
func (e *StreamError) Temporary() bool {
	switch e.Type {
	case "overloaded_error", "api_error", "server_error", "rate_limit_error", "timeout_error":
		return true
	}
	return false
}

// maxErrorBody bounds how much of an error response is read.
const maxErrorBody = 64 << 10

// statusMiddleware turns every answer of status 400 and up into an
// *HTTPError carrying the server's message, before the SDK sees it. Both
// SDKs then hand the error back unchanged, so errors look the same for every
// provider whatever each SDK would have made of the body.
func statusMiddleware(provider string) func(*http.Request, func(*http.Request) (*http.Response, error)) (*http.Response, error) {
	return func(req *http.Request, next func(*http.Request) (*http.Response, error)) (*http.Response, error) {
		res, err := next(req)
		if err != nil {
			return res, err
		}
		if res.StatusCode < 400 {
			if !isJSON(res.Header.Get("Content-Type")) {
				if a, ok := req.Context().Value(attemptKey{}).(*attempt); ok {
					res.Body = &aliveBody{ReadCloser: res.Body, a: a}
				}
				return res, nil
			}
			// A server that ignores "stream": true answers with one JSON
			// document, which an SSE reader would take for an empty stream.
			body, _ := io.ReadAll(io.LimitReader(res.Body, maxErrorBody))
			_ = res.Body.Close()
			return nil, described("%s: the server answered without streaming (HTTP %d, %s): %s",
				provider, res.StatusCode, res.Header.Get("Content-Type"), errorMessage(body))
		}
		body, _ := io.ReadAll(io.LimitReader(res.Body, maxErrorBody))
		_ = res.Body.Close()
		msg := errorMessage(body)
		if msg == "" {
			msg = http.StatusText(res.StatusCode)
		}
		return nil, &HTTPError{Provider: provider, Status: res.StatusCode, Message: msg,
			RetryAfter: retryAfter(res.Header, time.Now())}
	}
}

// errorMessage digs the human message out of an error body in the shapes
// servers use: {"error":{"message":..}} (OpenAI, Anthropic, Ollama's
// OpenAI API), {"error":".."} (Ollama, llama.cpp), {"message":..} (vLLM),
// {"detail":..} (FastAPI servers); anything else is shown as text.
func errorMessage(body []byte) string {
	var v struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Detail  json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(body, &v) == nil {
		var inner struct {
			Message string `json:"message"`
		}
		var s string
		switch {
		case json.Unmarshal(v.Error, &inner) == nil && inner.Message != "":
			return clip(inner.Message)
		case json.Unmarshal(v.Error, &s) == nil && s != "":
			return clip(s)
		case v.Message != "":
			return clip(v.Message)
		case json.Unmarshal(v.Detail, &s) == nil && s != "":
			return clip(s)
		case len(v.Detail) > 0:
			return clip(string(v.Detail))
		}
	}
	if title, ok := htmlTitle(string(body)); ok {
		return clip(title) // proxies answer in HTML
	}
	return clip(string(body))
}

func isJSON(contentType string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	return mt == "application/json"
}

// htmlTitle finds the title of an HTML page, e.g. "502 Bad Gateway".
func htmlTitle(s string) (string, bool) {
	lower := strings.ToLower(s)
	start := strings.Index(lower, "<title>")
	end := strings.Index(lower, "</title>")
	if start < 0 || end < start {
		return "", false
	}
	title := strings.TrimSpace(s[start+len("<title>") : end])
	return title, title != ""
}

// clip makes a server message fit on one line of an error.
func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	const limit = 500
	if len(s) > limit {
		cut := limit
		for cut > 0 && !isRuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// retryAfter reads retry-after-ms (OpenAI) or Retry-After in seconds or as
// an HTTP date; zero when absent or unreadable.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if v := h.Get("Retry-After-Ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(secs * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}

// newHTTPClient is the client of a provider that was given none: bounded
// connect and TLS handshakes, so an unreachable server fails fast, and no
// overall timeout, since a stream may rightly run for minutes (the caller's
// ctx and the idle watchdog bound it instead).
func newHTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          8,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
	}}
}
