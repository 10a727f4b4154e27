package tools

import (
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"
)

// headTail is an io.Writer that keeps the first and the last cap/2 bytes
// written to it, so that a command's output stays bounded while both its
// start and its end (where errors and summaries tend to be) are kept. It
// is safe for concurrent use, as exec may write stdout and stderr from two
// goroutines.
type headTail struct {
	mu      sync.Mutex
	half    int
	head    []byte
	tail    []byte // a ring once full
	start   int    // index of the oldest tail byte in the ring
	dropped int64
}

func newHeadTail(cap int) *headTail {
	return &headTail{half: cap / 2}
}

func (h *headTail) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := len(p)
	if k := min(len(p), h.half-len(h.head)); k > 0 {
		h.head = append(h.head, p[:k]...)
		p = p[k:]
	}
	if len(p) == 0 {
		return n, nil
	}
	if len(p) >= h.half {
		h.dropped += int64(len(h.tail)) + int64(len(p)-h.half)
		h.tail = append(h.tail[:0], p[len(p)-h.half:]...)
		h.start = 0
		return n, nil
	}
	for len(p) > 0 {
		if len(h.tail) < h.half {
			k := min(len(p), h.half-len(h.tail))
			h.tail = append(h.tail, p[:k]...)
			p = p[k:]
			continue
		}
		k := copy(h.tail[h.start:], p)
		h.start = (h.start + k) % h.half
		h.dropped += int64(k)
		p = p[k:]
	}
	return n, nil
}

// String returns the output kept, as valid UTF-8, with a note where bytes
// were left out.
func (h *headTail) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var b strings.Builder
	b.Write(h.head)
	if h.dropped > 0 {
		fmt.Fprintf(&b, "\n[... %s of output left out ...]\n", byteSize(h.dropped))
	}
	b.Write(h.tail[h.start:])
	b.Write(h.tail[:h.start])
	s := b.String()
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s
}
