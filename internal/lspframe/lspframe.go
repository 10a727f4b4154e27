// Package lspframe writes and reads LSP base-protocol frames
// (Content-Length header, blank line, body) for the test and benchmark
// clients that speak to agentls by hand. The server's own reader, with its
// limits and error answers, is rpc's stream.
package lspframe

import (
	"bufio"
	"errors"
	"io"
	"strconv"
	"strings"
)

// Frame wraps body in a frame.
func Frame(body []byte) []byte {
	return append([]byte("Content-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"), body...)
}

// Read reads one frame from r and returns its body.
func Read(r *bufio.Reader) ([]byte, error) {
	n := -1
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			break
		}
		if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
			if n, err = strconv.Atoi(v); err != nil {
				return nil, err
			}
		}
	}
	if n < 0 {
		return nil, errors.New("frame without Content-Length")
	}
	body := make([]byte, n)
	_, err := io.ReadFull(r, body)
	return body, err
}
