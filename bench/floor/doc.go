// Package floor holds programs that do nothing but link what agentls links,
// to measure the start-up floor each dependency sets (bench/README.md,
// "Start-up"). Each subdirectory is a main package whose only work is its
// imports' initializers:
//
//	empty      nothing: the Go runtime alone
//	nethttp    net/http and crypto/tls, which any HTTPS client needs
//	openai     github.com/openai/openai-go/v3
//	anthropic  github.com/anthropics/anthropic-sdk-go
//	sdks       both SDKs
package floor
