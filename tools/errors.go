package tools

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// unwrapPathError drops the absolute path from an *fs.PathError, so that an
// error shown to the model names the path as the model gave it.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// statInput stats a path the model gave (name, resolved to abs) for a tool
// that takes a file or a directory; verb says what the tool would have
// done with it ("read", "search").
func statInput(abs, name, verb string) (fs.FileInfo, error) {
	fi, err := os.Stat(abs)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%q does not exist; use list_files to find the right path", name)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot %s %q: %v", verb, name, unwrapPathError(err))
	}
	return fi, nil
}
