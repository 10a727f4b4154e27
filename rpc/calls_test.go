package rpc

import (
	"encoding/json"
	"testing"

	"github.com/sourcegraph/jsonrpc2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCallLedgerCountsOnlyTheServersRequests(t *testing.T) {
	var l callLedger
	encode := func(v any) []byte {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		return b
	}
	// A response whose result talks about methods is no request.
	l.noteOutgoing(encode(&jsonrpc2.Response{ID: jsonrpc2.ID{Num: 40}, Result: rawMessage(`{"method":"task/list"}`)}))
	// Neither is a notification.
	l.noteOutgoing(encode(&jsonrpc2.Request{Method: "$/progress", Notif: true}))
	assert.True(t, l.stray([]byte(`{"jsonrpc":"2.0","id":0,"result":null}`), &jsonrpc2.ID{Num: 0}))

	l.noteOutgoing(encode(&jsonrpc2.Request{Method: "window/showMessageRequest", ID: jsonrpc2.ID{Num: 2}}))
	for n := uint64(0); n <= 2; n++ {
		assert.False(t, l.stray([]byte(`{"jsonrpc":"2.0","result":null}`), &jsonrpc2.ID{Num: n}), "id %d", n)
	}
	assert.True(t, l.stray([]byte(`{"jsonrpc":"2.0","result":null}`), &jsonrpc2.ID{Num: 3}))
	assert.False(t, l.stray([]byte(`{"jsonrpc":"2.0","error":{"code":1,"message":"m"}}`), &jsonrpc2.ID{Num: 3}),
		"an error response is never answered")
}

func rawMessage(s string) *json.RawMessage {
	m := json.RawMessage(s)
	return &m
}
