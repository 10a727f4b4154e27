// Package rpcclient is a small agentls client: it frames JSON-RPC the LSP
// way, records every notification in arrival order, and answers the
// server's requests (approvals, progress) through a callback. The demo, the
// tests and the benchmarks drive the server with it, as an editor would.
package rpcclient

import (
	"context"
	"encoding/json"
	"io"
	"sync"

	"github.com/sourcegraph/jsonrpc2"
)

// Event is one message from the server that is not a reply.
type Event struct {
	Method string
	Params json.RawMessage
	// Request is true for server requests (they also reach OnRequest).
	Request bool
}

// Options configures a Client.
type Options struct {
	// OnRequest answers a server request; nil answers null. It runs on its
	// own goroutine, so it may block.
	OnRequest func(ctx context.Context, method string, params json.RawMessage) (any, error)
	// OnEvent sees each event as it arrives, on the read loop.
	OnEvent func(Event)
}

// Client is one connection to an agentls server.
type Client struct {
	conn *jsonrpc2.Conn
	opts Options

	mu      sync.Mutex
	events  []Event
	changed chan struct{} // closed and replaced on each new event
	wg      sync.WaitGroup
}

// New connects to a server that reads r and writes w.
func New(r io.ReadCloser, w io.WriteCloser, opts Options) *Client {
	c := &Client{opts: opts, changed: make(chan struct{})}
	stream := jsonrpc2.NewBufferedStream(readWriteCloser{r, w}, jsonrpc2.VSCodeObjectCodec{})
	c.conn = jsonrpc2.NewConn(context.Background(), stream, handler{c})
	return c
}

type readWriteCloser struct {
	io.ReadCloser
	w io.WriteCloser
}

func (rw readWriteCloser) Write(p []byte) (int, error) { return rw.w.Write(p) }
func (rw readWriteCloser) Close() error {
	werr := rw.w.Close()
	rerr := rw.ReadCloser.Close()
	if werr != nil {
		return werr
	}
	return rerr
}

type handler struct{ c *Client }

func (h handler) Handle(ctx context.Context, conn *jsonrpc2.Conn, req *jsonrpc2.Request) {
	h.c.handle(ctx, conn, req)
}

func (c *Client) handle(ctx context.Context, conn *jsonrpc2.Conn, req *jsonrpc2.Request) {
	var params json.RawMessage
	if req.Params != nil {
		params = *req.Params
	}
	ev := Event{Method: req.Method, Params: params, Request: !req.Notif}
	c.record(ev)
	if req.Notif {
		return
	}
	// Answer on another goroutine: the read loop must stay free.
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		var result any
		var err error
		if c.opts.OnRequest != nil {
			result, err = c.opts.OnRequest(ctx, req.Method, params)
		}
		if err != nil {
			_ = conn.ReplyWithError(context.Background(), req.ID, &jsonrpc2.Error{Code: jsonrpc2.CodeInternalError, Message: err.Error()})
			return
		}
		if result == nil {
			result = json.RawMessage("null")
		}
		_ = conn.Reply(context.Background(), req.ID, result)
	}()
}

func (c *Client) record(ev Event) {
	if c.opts.OnEvent != nil {
		c.opts.OnEvent(ev)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, ev)
	close(c.changed)
	c.changed = make(chan struct{})
}

// Call sends a request and decodes its result into result (may be nil).
func (c *Client) Call(ctx context.Context, method string, params, result any) error {
	return c.conn.Call(ctx, method, params, result)
}

// Notify sends a notification.
func (c *Client) Notify(ctx context.Context, method string, params any) error {
	return c.conn.Notify(ctx, method, params)
}

// Events returns the events received so far.
func (c *Client) Events() []Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Event(nil), c.events...)
}

// WaitFor blocks until an event at index from or later satisfies match, and
// returns it with its index.
func (c *Client) WaitFor(ctx context.Context, from int, match func(Event) bool) (Event, int, error) {
	for {
		c.mu.Lock()
		for i := from; i < len(c.events); i++ {
			if match(c.events[i]) {
				ev := c.events[i]
				c.mu.Unlock()
				return ev, i, nil
			}
		}
		from = len(c.events)
		changed := c.changed
		c.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return Event{}, -1, ctx.Err()
		case <-c.conn.DisconnectNotify():
			// One last look: the event may have arrived just before.
			c.mu.Lock()
			n := len(c.events)
			c.mu.Unlock()
			if n == from {
				return Event{}, -1, io.EOF
			}
		}
	}
}

// Disconnected is closed when the connection ends.
func (c *Client) Disconnected() <-chan struct{} { return c.conn.DisconnectNotify() }

// Close closes the connection and waits for pending answers.
func (c *Client) Close() error {
	err := c.conn.Close()
	c.wg.Wait()
	return err
}
