package model

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeServer replays scripted replies, one per request in order; the last
// reply answers every further request. It records what it was sent.
type fakeServer struct {
	srv     *httptest.Server
	replies []http.HandlerFunc
	// gone is closed when the test ends, releasing handlers that wait.
	gone chan struct{}

	mu   sync.Mutex
	reqs []seenRequest
}

type seenRequest struct {
	Path   string
	Header http.Header
	Body   string
}

func newFakeServer(t *testing.T, replies ...http.HandlerFunc) *fakeServer {
	t.Helper()
	f := &fakeServer{replies: replies, gone: make(chan struct{})}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(func() {
		close(f.gone)
		f.srv.Close()
	})
	return f
}

func (f *fakeServer) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	n := len(f.reqs)
	f.reqs = append(f.reqs, seenRequest{Path: r.URL.Path, Header: r.Header.Clone(), Body: string(body)})
	replies := f.replies
	f.mu.Unlock()
	if len(replies) == 0 {
		http.Error(w, "no reply scripted", http.StatusTeapot)
		return
	}
	replies[min(n, len(replies)-1)](w, r)
}

// reply sets the replies of a server made without them.
func (f *fakeServer) reply(replies ...http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.replies = replies
}

func (f *fakeServer) requests() []seenRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seenRequest(nil), f.reqs...)
}

func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return string(b)
}

// events splits an SSE text into its events, each with its blank line.
func events(stream string) []string {
	var out []string
	for _, e := range strings.SplitAfter(stream, "\n\n") {
		if e != "" {
			out = append(out, e)
		}
	}
	return out
}

func writeEvents(w http.ResponseWriter, evs []string) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	for _, e := range evs {
		_, _ = io.WriteString(w, e)
		_ = http.NewResponseController(w).Flush()
	}
}

// sse streams an SSE text, flushing each event on its own as servers do.
func sse(stream string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { writeEvents(w, events(stream)) }
}

// status answers with an error status.
func status(code int, body string, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
}

// cutAfter streams the first n events of stream, then drops the connection
// mid-body.
func cutAfter(stream string, n int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		writeEvents(w, events(stream)[:n])
		hangUp(w)
	}
}

// drop closes the connection before any answer.
func drop(w http.ResponseWriter, r *http.Request) { hangUp(w) }

func hangUp(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

// stall streams the given events, signals arrived, then sends nothing more
// until the client goes away or the test ends.
func (f *fakeServer) stall(evs []string, arrived chan<- struct{}) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if len(evs) > 0 {
			writeEvents(w, evs)
		}
		close(arrived)
		select {
		case <-r.Context().Done():
		case <-f.gone:
		}
	}
}

// assertTheTwoToolCalls checks the calls of the *_tools.sse fixtures: the
// same two calls, with ids in each provider's style.
func assertTheTwoToolCalls(t *testing.T, calls []ToolCall, readID, searchID string) {
	t.Helper()
	require.Len(t, calls, 2)
	assert.Equal(t, readID, calls[0].ID)
	assert.Equal(t, "read_file", calls[0].Name)
	assert.JSONEq(t, `{"path":"src/main.go"}`, string(calls[0].Arguments))
	assert.Equal(t, searchID, calls[1].ID)
	assert.Equal(t, "search_files", calls[1].Name)
	assert.JSONEq(t, `{"pattern":"func main","path":"."}`, string(calls[1].Arguments))
}

// cancelMidStream has f stream evs and then stall, and runs one Complete of
// p that is cancelled once the first text delta and all of evs have
// arrived. It returns the deltas seen and Complete's error.
func cancelMidStream(f *fakeServer, evs []string, p Provider) ([]string, error) {
	arrived := make(chan struct{})
	f.reply(f.stall(evs, arrived))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan struct{})
	go func() {
		<-got
		<-arrived
		cancel()
	}()
	var deltas []string
	_, err := p.Complete(ctx, simpleRequest, func(d string) {
		deltas = append(deltas, d)
		if len(deltas) == 1 {
			close(got)
		}
	})
	return deltas, err
}

// waits records the delays the retry loop asks for, without sleeping.
type waits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *waits) policy(attempts int) RetryPolicy {
	return RetryPolicy{MaxAttempts: attempts, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second,
		Wait: func(ctx context.Context, d time.Duration) error {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.d = append(w.d, d)
			return ctx.Err()
		}}
}

func (w *waits) delays() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Duration(nil), w.d...)
}

func TestBackoffGrowsWithinBounds(t *testing.T) {
	p := RetryPolicy{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}.withDefaults()
	for n, full := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		full *= time.Millisecond
		for range 20 {
			d := p.backoff(n + 1)
			assert.GreaterOrEqual(t, d, full/2, "attempt %d", n+1)
			assert.LessOrEqual(t, d, full, "attempt %d", n+1)
		}
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name  string
		err   error
		retry bool
		after time.Duration
	}{
		{"429", &HTTPError{Status: 429, RetryAfter: time.Second}, true, time.Second},
		{"500", &HTTPError{Status: 500}, true, 0},
		{"529", &HTTPError{Status: 529}, true, 0},
		{"400", &HTTPError{Status: 400}, false, 0},
		{"401", &HTTPError{Status: 401}, false, 0},
		{"404", &HTTPError{Status: 404}, false, 0},
		{"wrapped 503", fmt.Errorf("x: %w", &HTTPError{Status: 503}), true, 0},
		{"overloaded event", &StreamError{Type: "overloaded_error"}, true, 0},
		{"invalid request event", &StreamError{Type: "invalid_request_error"}, false, 0},
		{"unexpected EOF", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true, 0},
		{"refused", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, false, 0},
		{"dns", &net.DNSError{Err: "no such host", Name: "x"}, false, 0},
		{"other", errors.New("boom"), false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			retry, after := classify(tt.err)
			assert.Equal(t, tt.retry, retry)
			assert.Equal(t, tt.after, after)
		})
	}
}

func TestRetryGivesUpWhenRetryAfterTooLong(t *testing.T) {
	var w waits
	p := w.policy(5)
	p.MaxRetryAfter = time.Minute
	calls := 0
	_, err := p.do(context.Background(), "openai", nil, func(ctx context.Context, a *attempt) (Response, error) {
		calls++
		return Response{}, &HTTPError{Provider: "openai", Status: 429, Message: "slow down", RetryAfter: time.Hour}
	})
	require.Error(t, err)
	assert.Equal(t, 1, calls)
	assert.Empty(t, w.delays())
	assert.Equal(t, "openai: HTTP 429: slow down (server asks to retry after 1h0m0s)", err.Error())
}

func TestRetryStopsOnCancelDuringBackoff(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	waiting := make(chan struct{})
	p := RetryPolicy{BaseDelay: time.Hour, MaxDelay: time.Hour, Wait: func(ctx context.Context, d time.Duration) error {
		close(waiting)
		return sleep(ctx, d) // the real timer: it must give way to ctx
	}}
	go func() {
		<-waiting
		cancel()
	}()
	_, err := p.do(ctx, "openai", nil, func(ctx context.Context, a *attempt) (Response, error) {
		return Response{}, &HTTPError{Provider: "openai", Status: 503, Message: "busy"}
	})
	assert.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "openai: ")
}
