//go:build !cgo

package tools

import (
	"context"
	"errors"
)

// treeSitterFinder: without cgo the tree-sitter grammars cannot be built,
// so only Go files are understood; other source files get a clear error.
func treeSitterFinder(ext string) definitionFinder {
	switch ext {
	case ".py", ".pyi", ".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx", ".rs", ".java",
		".c", ".h", ".hh", ".hpp", ".hxx", ".cc", ".cpp", ".cxx", ".c++", ".ipp":
		return func(context.Context, []byte) ([]definition, string, error) {
			return nil, "", errors.New("this agentls was built without cgo, so only Go files can be parsed; use search_files to find definitions")
		}
	}
	return nil
}
