package rpc

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

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
// which the next frame cannot be found, ends the stream. The stream also
// carries request ids that jsonrpc2.ID cannot hold (see idMarker).
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

	calls callLedger
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
	s.calls.noteOutgoing(data)
	return s.writeFrame(restoreID(data))
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
		if s.calls.stray(body, id) {
			s.replyError(id, jsonrpc2.CodeInvalidRequest, "invalid request: a response to no request of the server")
			continue
		}
		if isSynthetic(id) {
			// jsonrpc2 cannot hold this id: it gets the synthetic one.
			if body, err = withID(body, id); err != nil {
				s.replyError(id, jsonrpc2.CodeInvalidRequest, "invalid request: "+err.Error())
				continue
			}
		}
		body = mapCancelID(body)
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

// Ids. JSON-RPC 2.0 allows any string or number as a request id, and LSP
// any integer, negative ones included; the client must get its id back as
// it sent it. jsonrpc2.ID holds only a string or a uint64, and its request
// decoder only integers up to MaxInt64. An id it cannot carry exactly is
// carried through it as a synthetic string id: idMarker followed by the
// id's JSON text, exactly as received. On the way out (restoreID) the text
// after the marker becomes the reply's id again.
//
// The synthetic id is a pure function of the id, so it needs no table: no
// entry to forget when a reply is never written and no table to bound (a
// synthetic id is as long as the id, which the message size limit bounds
// like any string id), and $/cancelRequest finds its request by mapping
// the id in its params the same way (mapCancelID, cancelledID).
//
// No client id can collide with a synthetic one: a client string id that
// starts with NUL is itself carried as a synthetic id.
const idMarker = "\x00id:"

// parseID returns the id a message is handled under: nil for null or
// absent, the jsonrpc2 id when it carries the client's id exactly (a
// canonical integer up to MaxInt64, or a string whose encoding is the one
// received), else a synthetic id. Any other JSON value is an error.
//
// A string that is not valid UTF-8 is the exception: its synthetic id
// could not be encoded exactly either, so it keeps its jsonrpc2 id and
// comes back with U+FFFD in place of the invalid bytes, as before.
func parseID(raw json.RawMessage) (*jsonrpc2.ID, string) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, ""
	}
	switch c := raw[0]; {
	case c == '"':
		var str string
		if err := json.Unmarshal(raw, &str); err != nil {
			return nil, `"id" must be a string or a number`
		}
		id := &jsonrpc2.ID{Str: str, IsString: true}
		if !utf8.Valid(raw) {
			return id, ""
		}
		if enc, err := json.Marshal(str); err == nil && bytes.Equal(enc, raw) && !strings.HasPrefix(str, "\x00") {
			return id, ""
		}
		return syntheticID(raw), ""
	case c == '-' || ('0' <= c && c <= '9'):
		if !json.Valid(raw) {
			return nil, `"id" must be a string or a number`
		}
		n, err := strconv.ParseUint(string(raw), 10, 64)
		if err == nil && n <= math.MaxInt64 && strconv.FormatUint(n, 10) == string(raw) {
			return &jsonrpc2.ID{Num: n}, ""
		}
		return syntheticID(raw), ""
	}
	return nil, `"id" must be a string or a number`
}

// mapCancelID gives the id in the params of a $/cancelRequest the
// synthetic form its request got, so that the server finds the request
// (see cancelledID). It must happen here: jsonrpc2 re-encodes params, and
// a string id would lose its spelling on the way.
func mapCancelID(body []byte) []byte {
	if !bytes.Contains(body, []byte(`cancelRequest"`)) {
		return body // the cheap test, for every other message
	}
	return rewriteCancelID(body, func(raw json.RawMessage) (json.RawMessage, bool) {
		id, _ := parseID(raw)
		if !isSynthetic(id) {
			return nil, false
		}
		enc, err := json.Marshal(id)
		return enc, err == nil
	})
}

// rewriteCancelID returns body with the id in its params replaced by
// what rewrite makes of it, when body is a $/cancelRequest and rewrite
// says so; any other body comes back as it is.
func rewriteCancelID(body []byte, rewrite func(json.RawMessage) (json.RawMessage, bool)) []byte {
	var m map[string]json.RawMessage
	var method string
	if json.Unmarshal(body, &m) != nil || json.Unmarshal(m["method"], &method) != nil || method != "$/cancelRequest" {
		return body
	}
	var params map[string]json.RawMessage
	if json.Unmarshal(m["params"], &params) != nil || params == nil {
		return body
	}
	id, ok := rewrite(params["id"])
	if !ok {
		return body
	}
	params["id"] = id
	enc, err := encodeObject(params)
	if err != nil {
		return body
	}
	m["params"] = enc
	out, err := encodeObject(m)
	if err != nil {
		return body
	}
	return out
}

// cancelledID returns the id of the request a $/cancelRequest names, as
// the stream left it: a synthetic id when mapCancelID put one, else the
// client's id; nil when it names none.
func cancelledID(raw json.RawMessage) *jsonrpc2.ID {
	var str string
	if json.Unmarshal(raw, &str) == nil && strings.HasPrefix(str, idMarker) {
		return &jsonrpc2.ID{Str: str, IsString: true}
	}
	id, _ := parseID(raw)
	return id
}

func syntheticID(raw json.RawMessage) *jsonrpc2.ID {
	return &jsonrpc2.ID{Str: idMarker + string(raw), IsString: true}
}

func isSynthetic(id *jsonrpc2.ID) bool {
	return id != nil && id.IsString && strings.HasPrefix(id.Str, idMarker)
}

// wireID is id as the client sent it: null for none.
func wireID(id *jsonrpc2.ID) json.RawMessage {
	switch {
	case id == nil:
		return json.RawMessage("null")
	case isSynthetic(id):
		return json.RawMessage(id.Str[len(idMarker):])
	}
	b, err := json.Marshal(id)
	if err != nil {
		return json.RawMessage("null")
	}
	return b
}

// withID returns body with its id replaced by id. Other spellings of the
// key ("ID", "Id") stay: encoding/json writes keys sorted, so "id" comes
// after all of them, and jsonrpc2's case-insensitive decoding keeps the
// last one.
func withID(body []byte, id *jsonrpc2.ID) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, err
	}
	enc, err := json.Marshal(id)
	if err != nil {
		return nil, err
	}
	m["id"] = enc
	return encodeObject(m)
}

// encodeObject encodes m without HTML escaping, so that raw values keep
// their bytes.
func encodeObject(m map[string]json.RawMessage) ([]byte, error) {
	var buf bytes.Buffer
	e := json.NewEncoder(&buf)
	e.SetEscapeHTML(false)
	if err := e.Encode(m); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// syntheticHead starts a message whose id is synthetic, as json.Marshal
// writes it (jsonrpc2.Response encodes its id first); syntheticMark is the
// encoded marker anywhere.
const (
	syntheticHead = `{"id":"\u0000id:`
	syntheticMark = `"\u0000id:`
)

// restoreID puts the client's id back into an encoded outgoing message
// whose id is synthetic; any other message is returned as it is.
func restoreID(data []byte) []byte {
	if bytes.HasPrefix(data, []byte(syntheticHead)) {
		start := len(`{"id":`)
		if end := stringEnd(data, start); end > 0 {
			var str string
			if json.Unmarshal(data[start:end], &str) == nil && strings.HasPrefix(str, idMarker) {
				raw := str[len(idMarker):]
				out := make([]byte, 0, len(data)-(end-start)+len(raw))
				out = append(out, data[:start]...)
				out = append(out, raw...)
				return append(out, data[end:]...)
			}
		}
	}
	if !bytes.Contains(data, []byte(syntheticMark)) {
		return data
	}
	// The id is not where jsonrpc2 puts it: the slow way, through a map.
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil {
		return data
	}
	var str string
	if json.Unmarshal(m["id"], &str) != nil || !strings.HasPrefix(str, idMarker) {
		return data
	}
	m["id"] = json.RawMessage(str[len(idMarker):])
	out, err := encodeObject(m)
	if err != nil {
		return data
	}
	return out
}

// stringEnd returns the index just after the JSON string that starts at
// data[start], or -1.
func stringEnd(data []byte, start int) int {
	if start >= len(data) || data[start] != '"' {
		return -1
	}
	for i := start + 1; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

// replyError answers a message the connection never sees, to its id as the
// client sent it.
func (s *stream) replyError(id *jsonrpc2.ID, code int64, msg string) {
	// The id comes first, where restoreID looks for it.
	data, err := json.Marshal(struct {
		ID      *jsonrpc2.ID   `json:"id"`
		JSONRPC string         `json:"jsonrpc"`
		Error   jsonrpc2.Error `json:"error"`
	}{id, "2.0", jsonrpc2.Error{Code: code, Message: msg}})
	if err == nil {
		_ = s.writeFrame(restoreID(data))
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
