// Command empty is the Go runtime alone.
package main

func main() {}
