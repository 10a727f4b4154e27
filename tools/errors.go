package tools

import (
	"errors"
	"io/fs"
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
