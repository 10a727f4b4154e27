package store

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzLoadMessages checks the log parser on arbitrary bytes: it never
// fails or panics on content, accounts for every byte, returns only usable
// messages, and what it returns survives being written and read again.
// Seeds live in testdata/fuzz/FuzzLoadMessages.
func FuzzLoadMessages(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, maxLine := range []int{16, maxLineSize} {
			scan, err := loadMessages(bytes.NewReader(data), maxLine, func(int, string) {})
			require.NoError(t, err)
			require.Equal(t, int64(len(data)), scan.End+scan.Torn)
			if scan.End > 0 {
				assert.Equal(t, byte('\n'), data[scan.End-1], "End is just past a newline")
			}
			assert.Equal(t, -1, bytes.IndexByte(data[scan.End:], '\n'), "the torn tail has no newline")
			assert.LessOrEqual(t, len(scan.Messages), bytes.Count(data, []byte{'\n'}))

			var again bytes.Buffer
			var want []Message
			for _, m := range scan.Messages {
				require.NotEmpty(t, m.Kind)
				require.False(t, m.Partial)
				line, err := encodeMessage(m, maxLineSize)
				if err != nil {
					continue // refused on write, so never stored
				}
				again.Write(line)
				m.TS = Time{m.TS.Truncate(time.Millisecond)} // stored precision
				want = append(want, m)
			}
			reloaded, err := loadMessages(&again, maxLineSize, func(line int, reason string) {
				t.Errorf("line %d written by encodeMessage does not load: %s", line, reason)
			})
			require.NoError(t, err)
			assert.Zero(t, reloaded.Torn)
			assert.Equal(t, want, nilIfEmpty(reloaded.Messages))
		}
	})
}

func nilIfEmpty(m []Message) []Message {
	if len(m) == 0 {
		return nil
	}
	return m
}
