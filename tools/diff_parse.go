package tools

import (
	"fmt"
	"strconv"
	"strings"
)

// Markers of apply_diff's SEARCH/REPLACE blocks (Roo Code's format). A
// content line that is itself one of them is written with a leading
// backslash, which parseDiff removes.
const (
	markSearch  = "<<<<<<< SEARCH"
	markSep     = "======="
	markReplace = ">>>>>>> REPLACE"
	markDashes  = "-------"
)

// diffBlock is one SEARCH/REPLACE block.
type diffBlock struct {
	startLine int // 1-based hint from ":start_line:", 0 when absent
	search    []string
	replace   []string
}

// parseDiff parses the diff argument of apply_diff:
//
//	<<<<<<< SEARCH
//	:start_line:12     (optional)
//	-------            (optional)
//	lines to find
//	=======
//	lines to put instead
//	>>>>>>> REPLACE
//
// Text outside the blocks is ignored. Errors name the block and line.
func parseDiff(diff string) ([]diffBlock, error) {
	lines := strings.Split(strings.ReplaceAll(diff, "\r\n", "\n"), "\n")
	var blocks []diffBlock
	const (
		outside = iota
		header
		search
		replace
	)
	state := outside
	var b diffBlock
	var blockLine int
	for i, raw := range lines {
		line := strings.TrimRight(raw, " \t")
		n := i + 1
		switch state {
		case outside:
			if line == markSearch {
				b, blockLine, state = diffBlock{}, n, header
			} else if line == markSep || line == markReplace {
				return nil, fmt.Errorf("line %d: %q comes before any %q line; each block must start with %q", n, line, markSearch, markSearch)
			}
		case header:
			if v, ok := strings.CutPrefix(line, ":start_line:"); ok {
				k, err := strconv.Atoi(strings.TrimSpace(v))
				if err != nil || k < 1 {
					return nil, fmt.Errorf("line %d: %q: start_line must be a line number, 1 or more", n, line)
				}
				b.startLine = k
				continue
			}
			if strings.HasPrefix(line, ":end_line:") {
				continue // accepted for compatibility; the SEARCH lines say where the block ends
			}
			if line == markDashes {
				state = search
				continue
			}
			state = search
			fallthrough
		case search:
			switch line {
			case markSep:
				state = replace
			case markSearch, markReplace:
				return nil, fmt.Errorf("block at line %d: %q at line %d before the %q line that ends the SEARCH part", blockLine, line, n, markSep)
			default:
				b.search = append(b.search, unescapeMarker(raw))
			}
		case replace:
			switch line {
			case markReplace:
				blocks = append(blocks, b)
				state = outside
			case markSearch, markSep:
				return nil, fmt.Errorf("block at line %d: %q at line %d before the %q line that ends the block (a content line equal to a marker must be written with a leading backslash)", blockLine, line, n, markReplace)
			default:
				b.replace = append(b.replace, unescapeMarker(raw))
			}
		}
	}
	switch {
	case state == header || state == search:
		return nil, fmt.Errorf("block at line %d has no %q line after its SEARCH part", blockLine, markSep)
	case state == replace:
		return nil, fmt.Errorf("block at line %d has no %q line at its end", blockLine, markReplace)
	case len(blocks) == 0:
		return nil, fmt.Errorf("the diff has no SEARCH/REPLACE block; write each change as\n%s\n[lines to find]\n%s\n[lines to put instead]\n%s", markSearch, markSep, markReplace)
	}
	return blocks, nil
}

// unescapeMarker turns "\=======" (and the other markers so escaped) back
// into the literal line.
func unescapeMarker(line string) string {
	if rest, ok := strings.CutPrefix(line, `\`); ok {
		switch strings.TrimRight(rest, " \t") {
		case markSearch, markSep, markReplace, markDashes:
			return rest
		}
	}
	return line
}
