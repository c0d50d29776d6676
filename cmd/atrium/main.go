// Command atrium is the Atrium media library server and its
// administration tool. See internal/cli.
package main

import (
	"context"
	"os"

	"atrium/internal/cli"
)

func main() {
	os.Exit(cli.Main(context.Background(), os.Args[1:], cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}))
}
