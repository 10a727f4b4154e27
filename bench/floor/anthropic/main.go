// Command anthropic runs only the initializers of its imports.
package main

import (
	_ "github.com/anthropics/anthropic-sdk-go"
)

func main() {}
