package session_test

import (
	"testing"

	"go.uber.org/goleak"
)

// The session's behaviour is tested over the wire in package rpc; this
// package's own tests check its pure helpers, and goleak guards them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
