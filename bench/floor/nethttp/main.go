// Command nethttp runs only the initializers of its imports.
package main

import (
	_ "crypto/tls"
	_ "net/http"
)

func main() {}
