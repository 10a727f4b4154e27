// Command openai runs only the initializers of its imports.
package main

import (
	_ "github.com/openai/openai-go/v3"
)

func main() {}
