// Command metaglot trains, evaluates and benchmarks few-shot learners on
// Omniglot, and classifies folders of drawings with them.
//
// Usage:
//
//	metaglot <command> [flags]
//
// Run "metaglot help" for the list of commands and "metaglot <command> -h"
// for the flags of one. Exit status: 0 on success, 2 for a usage error (a bad
// flag or argument), 1 for anything that went wrong while running.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	_ "metaglot/core/algo/all" // every algorithm registers itself
)

// command is one subcommand of metaglot.
type command struct {
	name    string
	summary string
	// run parses args (the arguments after the command name) and does the
	// work, writing its normal output to stdout. It returns a usageError for
	// bad flags or arguments.
	run func(args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		// Each command lives in its own file, named for it.
		episodeCommand(),
		trainCommand(),
		recipesCommand(),
		evalCellsCommand(),
		evalCommand(),
		classifyCommand(),
		benchCommand(),
		exportCommand(),
	}
}

// usageError marks an error as the user's misuse of flags or arguments
// (exit status 2), as opposed to a failure while running (exit status 1).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usagef returns a usageError with a formatted message.
func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// newFlagSet returns a FlagSet for the named command that reports parse
// errors as usage errors and prints its help to stderr.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("metaglot "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: metaglot %s %s\n\nflags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args with fs. It returns errHelp for -h, and a usageError
// for a bad flag or for positional arguments the command does not take.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// errHelp reports that help was asked for and printed: exit status 0.
var errHelp = errors.New("help requested")

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line args and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	cmds := commands()
	help := func(w io.Writer) {
		fmt.Fprintln(w, "usage: metaglot <command> [flags]\n\ncommands:")
		for _, c := range cmds {
			fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
		}
		fmt.Fprintln(w, "\nRun 'metaglot <command> -h' for the flags of a command.")
	}
	if len(args) == 0 {
		help(stderr)
		return 2
	}
	if a := args[0]; a == "help" || a == "-h" || a == "-help" || a == "--help" {
		help(stdout)
		return 0
	}
	for _, c := range cmds {
		if c.name != args[0] {
			continue
		}
		err := c.run(args[1:], stdout, stderr)
		var ue usageError
		switch {
		case err == nil, errors.Is(err, errHelp):
			return 0
		case errors.As(err, &ue):
			fmt.Fprintf(stderr, "metaglot %s: %v\n", c.name, err)
			return 2
		default:
			fmt.Fprintf(stderr, "metaglot %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "metaglot: unknown command %q (run 'metaglot help' for the list)\n", args[0])
	return 2
}
