package store

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// maxLineSize bounds one line of a message log. Append refuses a larger
// message and the loader skips a larger line, so memory stays bounded even
// on a damaged or hostile file.
const maxLineSize = 16 << 20

// maxLogSize bounds a task's message log, so loading a task for Get or
// Open stays bounded too.
const maxLogSize = 256 << 20

// logScan is what loadMessages read from a message log.
type logScan struct {
	Messages []Message
	// End is the offset just past the last newline: everything after it is
	// an unterminated tail, a write in progress or one torn by a crash.
	End  int64
	Torn int64 // bytes after End
}

// loadMessages parses a JSON Lines message log. Lines that are not a
// message, or longer than maxLine bytes, are skipped and reported to warn
// with their 1-based line number; blank lines are ignored. Only complete,
// newline-terminated lines count, so a concurrent append or a torn last
// write is never half-read. The error is set only when reading fails.
func loadMessages(r io.Reader, maxLine int, warn func(line int, reason string)) (logScan, error) {
	var (
		scan    logScan
		br      = bufio.NewReaderSize(r, 64<<10)
		buf     []byte // the current line, while it fits in maxLine
		n       int64  // bytes of the current line read so far
		tooLong bool
		lineNo  int
	)
	for {
		chunk, err := br.ReadSlice('\n')
		n += int64(len(chunk))
		if !tooLong {
			if len(buf)+len(chunk) > maxLine+1 { // +1: the newline
				tooLong, buf = true, buf[:0]
			} else {
				buf = append(buf, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if errors.Is(err, io.EOF) {
			scan.Torn = n
			return scan, nil
		}
		if err != nil {
			return scan, err
		}
		lineNo++
		scan.End += n
		if tooLong {
			warn(lineNo, fmt.Sprintf("line of %d bytes is longer than the limit of %d", n-1, maxLine))
		} else if m, ok, reason := parseLine(buf[:len(buf)-1]); ok {
			scan.Messages = append(scan.Messages, m)
		} else if reason != "" {
			warn(lineNo, reason)
		}
		buf, n, tooLong = buf[:0], 0, false
	}
}

// parseLine decodes one log line. A blank line yields ok=false and no
// reason; an unusable one yields the reason.
func parseLine(line []byte) (m Message, ok bool, reason string) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return Message{}, false, ""
	}
	if line[0] != '{' {
		return Message{}, false, "not a JSON object"
	}
	if err := json.Unmarshal(line, &m); err != nil {
		return Message{}, false, "invalid JSON: " + err.Error()
	}
	if m.Kind == "" {
		return Message{}, false, "message without a kind"
	}
	if m.Partial {
		return Message{}, false, "partial message"
	}
	return m, true, ""
}

// encodeMessage renders m as one log line, newline included.
func encodeMessage(m Message, maxLine int) ([]byte, error) {
	if m.Partial {
		return nil, ErrPartial
	}
	if m.Kind == "" {
		return nil, errors.New("message without a kind")
	}
	// A time outside four-digit years would be written in a form that
	// does not parse back, losing the message on the next load.
	if y := m.TS.UTC().Year(); y < 0 || y > 9999 {
		return nil, fmt.Errorf("message %s: time %v is out of range", m.ID, m.TS.Time)
	}
	// Refuse an obviously oversized message before spending time on it.
	if len(m.Text)+len(m.Output)+len(m.Result) > maxLine {
		return nil, fmt.Errorf("message %s is more than the limit of %d bytes", m.ID, maxLine)
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode message %s: %w", m.ID, err)
	}
	if len(b) > maxLine {
		return nil, fmt.Errorf("message %s is %d bytes encoded, more than the limit of %d", m.ID, len(b), maxLine)
	}
	return append(b, '\n'), nil
}
