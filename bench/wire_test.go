package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/agentls/agentls/internal/lspframe"
)

// wire is a lean JSON-RPC client over LSP framing. The benchmarks measure
// servers, so the client must cost as little as possible: it decodes only
// the envelope of each message (params stay raw) and counts notifications.
// A general client (jsonrpc2's decodes every params into maps and encodes
// them again) would be the bottleneck of the notification figures.
type wire struct {
	r      *bufio.Reader
	w      io.WriteCloser
	rc     io.Closer
	onNote func(method string, params json.RawMessage)
	notes  atomic.Int64
	done   chan struct{} // closed when the read loop ends

	wmu sync.Mutex
	mu  sync.Mutex
	id  int64
	out map[int64]chan envelope
	err error // why the read loop ended
}

// envelope is the top level of any message.
type envelope struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int64  `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func newWire(r io.ReadCloser, w io.WriteCloser, onNote func(string, json.RawMessage)) *wire {
	c := &wire{r: bufio.NewReaderSize(r, 256<<10), w: w, rc: r, onNote: onNote, done: make(chan struct{}), out: map[int64]chan envelope{}}
	go c.read()
	return c
}

func (c *wire) read() {
	defer close(c.done)
	var err error
	for {
		var body []byte
		if body, err = lspframe.Read(c.r); err != nil {
			break
		}
		var m envelope
		if err = json.Unmarshal(body, &m); err != nil {
			break
		}
		switch {
		case m.Method != "" && m.ID != nil:
			// A server request: answered with null (progress creation,
			// approvals are not part of the workloads).
			err = c.send(map[string]any{"jsonrpc": "2.0", "id": m.ID, "result": nil})
		case m.Method != "":
			c.notes.Add(1)
			c.onNote(m.Method, m.Params)
		default:
			id, _ := strconv.ParseInt(string(m.ID), 10, 64)
			c.mu.Lock()
			ch := c.out[id]
			delete(c.out, id)
			c.mu.Unlock()
			if ch != nil {
				ch <- m
			}
		}
		if err != nil {
			break
		}
	}
	c.mu.Lock()
	c.err = err
	for id, ch := range c.out {
		close(ch)
		delete(c.out, id)
	}
	c.mu.Unlock()
}

func (c *wire) send(msg any) error {
	body, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err = c.w.Write(lspframe.Frame(body))
	return err
}

func (c *wire) call(ctx context.Context, method string, params, result any) error {
	ch := make(chan envelope, 1)
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return c.err
	}
	c.id++
	id := c.id
	c.out[id] = ch
	c.mu.Unlock()
	if err := c.send(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params}); err != nil {
		return err
	}
	select {
	case m, ok := <-ch:
		switch {
		case !ok:
			return fmt.Errorf("connection closed: %v", c.err)
		case m.Error != nil:
			return fmt.Errorf("error %d: %s", m.Error.Code, m.Error.Message)
		case result != nil:
			return json.Unmarshal(m.Result, result)
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *wire) notify(method string, params any) error {
	return c.send(map[string]any{"jsonrpc": "2.0", "method": method, "params": params})
}

// close closes the server's stdin (and our end of its stdout).
func (c *wire) close() error {
	err := c.w.Close()
	_ = c.rc.Close()
	return err
}
