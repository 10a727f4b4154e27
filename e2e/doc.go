// Package e2e holds end-to-end tests that drive the real agentls binary as
// an editor would: the binary is built once, spawned per test with its
// stdin and stdout as the JSON-RPC pipes, and then killed, signalled,
// disconnected or flooded, to prove the promises of the task history
// (issue 6: crash safety and resume) and of fault handling (issue 8: hangs,
// provider errors, unanswered approvals, closed pipes, oversized and
// pipelined input, signals), with no orphan child process and no
// descriptor growth left behind.
//
// The package has no non-test code; this file only documents it.
package e2e
