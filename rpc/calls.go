package rpc

import (
	"bytes"
	"encoding/json"
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

// noteOutgoing records the id of an outgoing request.
func (l *callLedger) noteOutgoing(data []byte) {
	if !bytes.Contains(data, []byte(`"method"`)) {
		return // a response
	}
	var m struct {
		ID *uint64 `json:"id"`
	}
	if json.Unmarshal(data, &m) != nil || m.ID == nil {
		return // a notification
	}
	for {
		cur := l.next.Load()
		if *m.ID < cur || l.next.CompareAndSwap(cur, *m.ID+1) {
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
