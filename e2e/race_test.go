//go:build race

package e2e

// raceBuild makes the binary under test a race-detector build when the
// tests themselves run with -race, so that the end-to-end runs also catch
// data races in the server.
const raceBuild = true
