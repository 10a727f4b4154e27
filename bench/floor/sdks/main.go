// Command sdks runs only the initializers of its imports.
package main

import (
	_ "github.com/anthropics/anthropic-sdk-go"
	_ "github.com/openai/openai-go/v3"
)

func main() {}
