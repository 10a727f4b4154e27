package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"
)

// binary is the agentls executable under test. TestMain builds it once and
// sets it before any test runs; it is never written afterwards.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "agentls-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "agentls")
	if err := build(binary); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building agentls:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	// goleak checks the test process itself; the servers are other
	// processes, checked for orphans and descriptors by the tests.
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		os.RemoveAll(dir)
		os.Exit(code)
	}))
}

// build compiles the agentls command to out, with the race detector when
// the tests run with it.
func build(out string) error {
	args := []string{"build", "-o", out}
	if raceBuild {
		args = append(args, "-race")
	}
	args = append(args, "github.com/agentls/agentls")
	cmd := exec.Command("go", args...)
	cmd.Stdout = os.Stderr
	cmd.Stderr = os.Stderr
	return cmd.Run()
}
