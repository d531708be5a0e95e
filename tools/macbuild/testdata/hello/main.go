// Command hello is a binary for the bundle script to check, built with and without the flag.
package main

func main() {}
