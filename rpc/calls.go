package rpc

import (
	"bytes"
	"encoding/json"
	"strconv"
	"sync/atomic"

	"github.com/sourcegraph/jsonrpc2"
)

// callLedger knows which ids the server's own requests to the client used,
// so that the stream can tell a response to one of them from a stray one.
// jsonrpc2 numbers its calls 0, 1, 2, ... so one bound says it all; a late
// answer to a call the server gave up on (an approval after a cancel) is
// still an answer to a server request, and jsonrpc2 ignores it.
type callLedger struct {
	next atomic.Uint64 // one past the highest id sent
}

// noteOutgoing records the id of an outgoing request. jsonrpc2 encodes a
// request as a map, so its keys come sorted: a request with an id starts
// {"id":N,"jsonrpc":"2.0","method": while a response has "result" or
// "error" after its id. Looking at that head alone costs nothing for a
// large response, and text such as "method" inside a result is never
// taken for a request.
func (l *callLedger) noteOutgoing(data []byte) {
	rest, ok := bytes.CutPrefix(data, []byte(`{"id":`))
	if !ok {
		return
	}
	end := 0
	for end < len(rest) && '0' <= rest[end] && rest[end] <= '9' {
		end++
	}
	if !bytes.HasPrefix(rest[end:], []byte(`,"jsonrpc":"2.0","method":`)) {
		return // a response, or an id the server does not use
	}
	id, err := strconv.ParseUint(string(rest[:end]), 10, 64)
	if err != nil {
		return
	}
	for {
		cur := l.next.Load()
		if id < cur || l.next.CompareAndSwap(cur, id+1) {
			return
		}
	}
}

// stray reports whether body, a valid message with the given id, is a
// successful response to no request the server sent: the contract answers
// those with -32600. An error response to an unknown id is only ignored,
// so that two peers that both answer stray responses cannot bounce errors
// between them forever.
func (l *callLedger) stray(body []byte, id *jsonrpc2.ID) bool {
	if id == nil || bytes.Contains(body, []byte(`"method"`)) {
		return false
	}
	var m struct {
		Method json.RawMessage `json:"method"`
		Result json.RawMessage `json:"result"`
		Error  json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &m) != nil || m.Method != nil || m.Result == nil || m.Error != nil {
		return false
	}
	return id.IsString || id.Num >= l.next.Load()
}
