// Package rpc speaks the agentls wire protocol: LSP base-protocol framing
// over stdio, JSON-RPC 2.0 dispatch with the LSP lifecycle, the protocol's
// types, and the calls the server makes to the editor.
package rpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"sync"

	"github.com/sourcegraph/jsonrpc2"

	"github.com/agentls/agentls/session"
)

// Error codes beyond JSON-RPC's own.
const (
	CodeServerNotInitialized = -32002
	CodeRequestFailed        = -32803
	CodeRequestCancelled     = -32800
)

// Options configures Serve.
type Options struct {
	Version string
	Logger  *slog.Logger
	// Defaults is the session configuration before initializationOptions:
	// flags, environment and built-in defaults.
	Defaults session.Config
	// MaxMessageSize caps one incoming message (DefaultMaxMessageSize when 0).
	MaxMessageSize int
	// OnStop is called when the session starts to end (exit, EOF, output
	// closed or ctx done), before tasks are cancelled and waited for.
	OnStop func()
}

type lifecycle int

const (
	uninitialized lifecycle = iota
	initialized
	shutDown
)

// server is one connection.
type server struct {
	opts   Options
	log    *slog.Logger
	conn   *jsonrpc2.Conn
	client *client
	exit   chan int

	mu        sync.Mutex
	state     lifecycle
	sess      *session.Session
	requests  map[jsonrpc2.ID]context.CancelFunc // async requests in flight
	exitOnce  sync.Once
	handlers  sync.WaitGroup
	sessionMu sync.Mutex // serializes session close against creation
}

// Serve speaks the protocol on in/out until the client sends exit, in
// reaches EOF, or ctx is cancelled, then ends the session (every task
// cancelled) and returns the process exit code: 0 after shutdown, else 1.
func Serve(ctx context.Context, in io.Reader, out io.Writer, opts Options) int {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	var closer io.Closer
	if c, ok := in.(io.Closer); ok {
		closer = c
	}
	s := &server{
		opts:     opts,
		log:      opts.Logger,
		exit:     make(chan int, 1),
		requests: map[jsonrpc2.ID]context.CancelFunc{},
	}
	st := newStream(in, out, closer, opts.MaxMessageSize)
	s.conn = jsonrpc2.NewConn(context.Background(), st, s, jsonrpc2.SetLogger(slogPrinter{opts.Logger}))
	s.client = &client{conn: s.conn, out: st, log: opts.Logger}
	close(st.ready)

	code := 1
	select {
	case code = <-s.exit:
	case <-s.conn.DisconnectNotify():
		s.mu.Lock()
		if s.state == shutDown {
			code = 0
		}
		s.mu.Unlock()
	case <-st.broken:
		s.log.Warn("output closed; ending the session")
	case <-ctx.Done():
		s.log.Info("stopping on signal")
		code = 0
	}
	if opts.OnStop != nil {
		opts.OnStop()
	}
	s.closeSession()
	s.handlers.Wait()
	_ = s.conn.Close()
	return code
}

// closeSession ends the session once: every task is cancelled and waited for.
func (s *server) closeSession() {
	s.sessionMu.Lock()
	defer s.sessionMu.Unlock()
	s.mu.Lock()
	sess := s.sess
	s.sess = nil
	s.mu.Unlock()
	if sess != nil {
		sess.Close()
	}
}

// Handle implements jsonrpc2.Handler. It is called in the order messages
// arrive; quick requests are answered here, and a request that may wait runs
// on its own goroutine (see method.async), so that the read loop is always
// free to read the client's answers to the server's own requests.
func (s *server) Handle(ctx context.Context, conn *jsonrpc2.Conn, req *jsonrpc2.Request) {
	if req.Notif {
		s.notification(req)
		return
	}
	s.mu.Lock()
	state := s.state
	s.mu.Unlock()
	switch {
	case req.Method == "exit":
		s.reply(req.ID, nil, errorf(jsonrpc2.CodeInvalidRequest, "exit is a notification"))
		return
	case state == uninitialized && req.Method != "initialize":
		s.reply(req.ID, nil, errorf(CodeServerNotInitialized, "server not initialized: send initialize first (got %s)", req.Method))
		return
	case state == shutDown:
		s.reply(req.ID, nil, errorf(jsonrpc2.CodeInvalidRequest, "the server is shut down: only exit is accepted (got %s)", req.Method))
		return
	case state == initialized && req.Method == "initialize":
		s.reply(req.ID, nil, errorf(jsonrpc2.CodeInvalidRequest, "initialize was already received"))
		return
	}
	m, ok := methods[req.Method]
	if !ok {
		s.reply(req.ID, nil, errorf(jsonrpc2.CodeMethodNotFound, "method not found: %s", req.Method))
		return
	}
	var params json.RawMessage
	if req.Params != nil {
		params = *req.Params
	}
	if !m.async {
		result, then, err := s.call(context.Background(), m, params)
		s.reply(req.ID, result, err)
		if then != nil {
			then()
		}
		return
	}
	rctx, cancel := context.WithCancel(context.Background())
	s.mu.Lock()
	s.requests[req.ID] = cancel
	s.mu.Unlock()
	s.handlers.Add(1)
	go func() {
		defer s.handlers.Done()
		result, then, err := s.call(rctx, m, params)
		s.mu.Lock()
		delete(s.requests, req.ID)
		s.mu.Unlock()
		if rctx.Err() != nil {
			result, then, err = nil, nil, errorf(CodeRequestCancelled, "request cancelled")
		}
		cancel()
		s.reply(req.ID, result, err)
		if then != nil {
			then()
		}
	}()
}

// call runs a method, turning a panic into an internal error.
func (s *server) call(ctx context.Context, m method, params json.RawMessage) (result any, then func(), err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("panic in handler", "panic", r, "stack", string(debug.Stack()))
			result, then, err = nil, nil, errorf(jsonrpc2.CodeInternalError, "internal error: %v", r)
		}
	}()
	return m.call(ctx, s, params)
}

func (s *server) notification(req *jsonrpc2.Request) {
	switch req.Method {
	case "exit":
		s.mu.Lock()
		code := 1
		if s.state == shutDown {
			code = 0
		}
		s.mu.Unlock()
		s.exitOnce.Do(func() { s.exit <- code })
	case "$/cancelRequest":
		var p CancelParams
		if req.Params == nil || json.Unmarshal(*req.Params, &p) != nil {
			return
		}
		id := cancelledID(p.ID)
		if id == nil {
			return
		}
		s.mu.Lock()
		cancel := s.requests[*id]
		s.mu.Unlock()
		if cancel != nil {
			cancel()
		}
	case "window/workDoneProgress/cancel":
		var p ProgressCancelParams
		if req.Params != nil && json.Unmarshal(*req.Params, &p) == nil {
			s.client.cancelProgress(p.Token)
		}
	}
	// Other notifications (initialized, $/setTrace, ...) need nothing.
}

// reply answers a request on a context that no cancellation can kill.
func (s *server) reply(id jsonrpc2.ID, result any, err error) {
	if err == nil {
		if result == nil {
			result = json.RawMessage("null")
		}
		if e := s.conn.Reply(context.Background(), id, result); e != nil {
			s.log.Debug("reply not sent", "err", e)
		}
		return
	}
	if e := s.conn.ReplyWithError(context.Background(), id, toWireError(err)); e != nil {
		s.log.Debug("error reply not sent", "err", e)
	}
}

// toWireError maps an error to its JSON-RPC error.
func toWireError(err error) *jsonrpc2.Error {
	var we *jsonrpc2.Error
	if errors.As(err, &we) {
		return we
	}
	var se *session.Error
	if errors.As(err, &se) {
		code := int64(CodeRequestFailed)
		if se.Kind == session.Invalid {
			code = jsonrpc2.CodeInvalidParams
		}
		return &jsonrpc2.Error{Code: code, Message: se.Msg}
	}
	return &jsonrpc2.Error{Code: jsonrpc2.CodeInternalError, Message: err.Error()}
}

func errorf(code int64, format string, args ...any) *jsonrpc2.Error {
	return &jsonrpc2.Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// session returns the session, or an error when there is none.
func (s *server) session() (*session.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sess == nil {
		return nil, errorf(CodeRequestFailed, "no session")
	}
	return s.sess, nil
}

// slogPrinter routes jsonrpc2's log lines to slog.
type slogPrinter struct{ l *slog.Logger }

func (p slogPrinter) Printf(format string, v ...any) {
	p.l.Debug(fmt.Sprintf(format, v...))
}
