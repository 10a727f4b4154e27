package rpc

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/sourcegraph/jsonrpc2"
)

// DefaultMaxMessageSize caps one incoming message body.
const DefaultMaxMessageSize = 64 << 20

// maxHeaderLine caps one header line, so a stream without line breaks
// cannot grow a buffer without bound.
const maxHeaderLine = 4096

// stream is a jsonrpc2.ObjectStream with LSP base-protocol framing that
// survives bad input. jsonrpc2's own read loop closes the connection on any
// decode error, so every problem that leaves the framing intact is answered
// here (-32700 for invalid JSON, -32600 for a value that is no JSON-RPC
// message or is too large) and reading goes on. Only a broken header, after
// which the next frame cannot be found, ends the stream.
type stream struct {
	r       *bufio.Reader
	w       io.Writer
	closer  io.Closer
	maxBody int

	mu sync.Mutex // serializes writes: jsonrpc2's and this stream's own replies

	// ready is closed once the connection around the stream is set up;
	// nothing is read before, so no handler runs half-wired.
	ready chan struct{}

	brokenOnce sync.Once
	broken     chan struct{} // closed when a write fails: the client is gone
}

func newStream(r io.Reader, w io.Writer, c io.Closer, maxBody int) *stream {
	if maxBody <= 0 {
		maxBody = DefaultMaxMessageSize
	}
	return &stream{r: bufio.NewReaderSize(r, 64<<10), w: w, closer: c, maxBody: maxBody, broken: make(chan struct{}), ready: make(chan struct{})}
}

// WriteObject implements jsonrpc2.ObjectStream.
func (s *stream) WriteObject(obj any) error {
	data, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	return s.writeFrame(data)
}

func (s *stream) writeFrame(data []byte) error {
	// Header and body in one write: one syscall per message.
	frame := make([]byte, 0, len(data)+32)
	frame = append(frame, "Content-Length: "...)
	frame = strconv.AppendInt(frame, int64(len(data)), 10)
	frame = append(frame, "\r\n\r\n"...)
	frame = append(frame, data...)
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.w.Write(frame)
	if err != nil {
		// Output that cannot be written (EPIPE, closed pipe) will not come
		// back: the session ends rather than work for nobody.
		s.brokenOnce.Do(func() { close(s.broken) })
	}
	return err
}

// notification is an outgoing notification, encoded in one pass.
type notification struct {
	JSONRPC string `json:"jsonrpc"`
	Method  string `json:"method"`
	Params  any    `json:"params"`
}

// WriteNotification sends a notification without jsonrpc2's double
// encoding (params to raw JSON, then the envelope around it): the
// conversation stream is the server's hottest path.
func (s *stream) WriteNotification(method string, params any) error {
	data, err := json.Marshal(notification{JSONRPC: "2.0", Method: method, Params: params})
	if err != nil {
		return err
	}
	return s.writeFrame(data)
}

// Close implements jsonrpc2.ObjectStream.
func (s *stream) Close() error {
	if s.closer == nil {
		return nil
	}
	return s.closer.Close()
}

// ReadObject implements jsonrpc2.ObjectStream: it returns the next valid
// JSON-RPC message, answering the invalid ones on the way.
func (s *stream) ReadObject(v any) error {
	<-s.ready
	for {
		body, err := s.readFrame()
		var tooBig *tooLargeError
		switch {
		case errors.As(err, &tooBig):
			s.replyError(nil, jsonrpc2.CodeInvalidRequest, tooBig.Error())
			continue
		case err != nil:
			return err
		}
		id, code, msg := classify(body)
		if code != 0 {
			s.replyError(id, code, msg)
			continue
		}
		if err := json.Unmarshal(body, v); err != nil {
			s.replyError(id, jsonrpc2.CodeInvalidRequest, "invalid request: "+err.Error())
			continue
		}
		return nil
	}
}

type tooLargeError struct{ size, limit int }

func (e *tooLargeError) Error() string {
	return fmt.Sprintf("message of %d bytes is larger than the limit of %d bytes; it was skipped", e.size, e.limit)
}

// readFrame reads one header block and its body.
func (s *stream) readFrame() ([]byte, error) {
	length := -1
	for lines := 0; ; lines++ {
		line, err := s.readLine()
		if err != nil {
			if lines == 0 && errors.Is(err, io.EOF) {
				return nil, io.EOF
			}
			return nil, err
		}
		if line == "" {
			if lines == 0 {
				continue // tolerate blank lines between frames
			}
			break
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("broken header line %q", truncate(line, 80))
		}
		if strings.EqualFold(strings.TrimSpace(name), "Content-Length") {
			n, err := strconv.Atoi(strings.TrimSpace(value))
			if err != nil || n < 0 {
				return nil, fmt.Errorf("invalid Content-Length %q", truncate(value, 40))
			}
			length = n
		}
	}
	if length < 0 {
		return nil, errors.New("header without Content-Length")
	}
	if length > s.maxBody {
		if _, err := io.CopyN(io.Discard, s.r, int64(length)); err != nil {
			return nil, err
		}
		return nil, &tooLargeError{size: length, limit: s.maxBody}
	}
	body := make([]byte, length)
	if _, err := io.ReadFull(s.r, body); err != nil {
		return nil, err
	}
	return body, nil
}

// readLine reads one CRLF- (or LF-) terminated header line.
func (s *stream) readLine() (string, error) {
	var line []byte
	for {
		chunk, isPrefix, err := s.r.ReadLine()
		if err != nil {
			return "", err
		}
		line = append(line, chunk...)
		if len(line) > maxHeaderLine {
			return "", errors.New("header line too long")
		}
		if !isPrefix {
			return strings.TrimSuffix(string(line), "\r"), nil
		}
	}
}

// classify checks that body is one JSON-RPC request, notification or
// response, and otherwise returns the error to answer with and the id to
// answer to (nil when it has none).
func classify(body []byte) (*jsonrpc2.ID, int64, string) {
	if !json.Valid(body) {
		return nil, jsonrpc2.CodeParseError, "parse error: the message is not valid JSON"
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		if len(trimmed) > 0 && trimmed[0] == '[' {
			return nil, jsonrpc2.CodeInvalidRequest, "invalid request: batch messages are not supported"
		}
		return nil, jsonrpc2.CodeInvalidRequest, "invalid request: a message must be a JSON object"
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, jsonrpc2.CodeInvalidRequest, "invalid request: " + err.Error()
	}
	id, idErr := parseID(m["id"])
	if idErr != "" {
		return nil, jsonrpc2.CodeInvalidRequest, "invalid request: " + idErr
	}
	if v, ok := m["jsonrpc"]; ok && string(bytes.TrimSpace(v)) != `"2.0"` {
		return id, jsonrpc2.CodeInvalidRequest, `invalid request: "jsonrpc" must be "2.0"`
	}
	method, hasMethod := m["method"]
	_, hasResult := m["result"]
	_, hasError := m["error"]
	switch {
	case hasMethod:
		var name string
		if err := json.Unmarshal(method, &name); err != nil || name == "" {
			return id, jsonrpc2.CodeInvalidRequest, `invalid request: "method" must be a non-empty string`
		}
		if hasResult || hasError {
			return id, jsonrpc2.CodeInvalidRequest, "invalid request: a message cannot be both a request and a response"
		}
		if p, ok := m["params"]; ok {
			t := bytes.TrimLeft(p, " \t\r\n")
			if len(t) > 0 && t[0] != '{' && t[0] != '[' && string(bytes.TrimSpace(t)) != "null" {
				return id, jsonrpc2.CodeInvalidRequest, `invalid request: "params" must be an object or an array`
			}
		}
	case hasResult || hasError:
		if id == nil {
			return nil, jsonrpc2.CodeInvalidRequest, "invalid request: a response needs an id"
		}
	default:
		return id, jsonrpc2.CodeInvalidRequest, `invalid request: the message has neither "method" nor "result"/"error"`
	}
	return id, 0, ""
}

// parseID accepts a string, an integer or null/absent.
func parseID(raw json.RawMessage) (*jsonrpc2.ID, string) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, ""
	}
	var str string
	if err := json.Unmarshal(raw, &str); err == nil {
		return &jsonrpc2.ID{Str: str, IsString: true}, ""
	}
	var n uint64
	if err := json.Unmarshal(raw, &n); err == nil {
		return &jsonrpc2.ID{Num: n}, ""
	}
	return nil, `"id" must be a string or a non-negative integer`
}

// replyError answers a message the connection never sees.
func (s *stream) replyError(id *jsonrpc2.ID, code int64, msg string) {
	resp := map[string]any{"jsonrpc": "2.0", "id": nil, "error": jsonrpc2.Error{Code: code, Message: msg}}
	if id != nil {
		resp["id"] = id
	}
	data, err := json.Marshal(resp)
	if err == nil {
		_ = s.writeFrame(data)
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
