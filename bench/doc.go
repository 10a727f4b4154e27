// Package bench holds agentls's benchmarks, all in test files: the
// background runner, the workspace tools, and the wire (cold start, round
// trip, notification throughput, memory) side by side with a vscode-jsonrpc
// Node peer (bench/node). bench/README.md has the figures and how to
// reproduce them; bench/run.sh runs them all.
package bench
