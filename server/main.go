// Command server serves the metaglot page: the static files of one folder
// (the build/dist that `make dist` assembles), and nothing else.
//
// Usage:
//
//	go run ./server -addr 127.0.0.1:8080 -root build/dist [-grace 5s] [-write-timeout 10s]
//
// It prints the URL it serves on and logs one line per request to stderr
// (the path cut to its first 256 bytes). With -addr host:0 it picks a free
// port and prints it, which is how the end-to-end tests start it.
//
// What it serves, and how:
//
//   - Only GET and HEAD (405 with Allow otherwise).
//   - Files under -root, opened through an os.Root: no path, encoded or not,
//     and no symbolic link reaches outside it (such a request is a 404).
//     Request paths with a ".." element, a backslash or a NUL are refused
//     (400); names that start with "." are never served (404).
//   - A directory serves its index.html (a path without its trailing slash is
//     redirected to it) and is otherwise a 404: no listings.
//   - Content-Type from a fixed table (application/wasm, text/javascript,
//     text/html; charset=utf-8, ...), never from the OS or sniffing.
//   - A precompressed sibling (name.br, else name.gz) in place of the file
//     when Accept-Encoding allows it, with Content-Encoding, the original's
//     Content-Type and Vary: Accept-Encoding; ranges, ETag and conditional
//     requests apply to the bytes sent (http.ServeContent).
//   - Cache-Control: immutable for one year for content-hashed names
//     (package hashname: name.0123abcd89.ext), no-cache (revalidate with the
//     ETag or Last-Modified) for everything else.
//   - Security headers on every response the handler writes, errors
//     included: a Content-Security-Policy that allows WebAssembly and nothing
//     inline but styles, X-Content-Type-Options: nosniff, Referrer-Policy:
//     no-referrer. The answers net/http writes itself to requests it cannot
//     parse, before any handler runs, carry none of them (see
//     TestNetHTTPOwnErrors): 400 (malformed request, or "400 Bad Request:
//     missing required Host header" and similar), 431 (headers over 1 MB),
//     501 (unknown Transfer-Encoding), 505 (an HTTP version other than 1.x)
//     with Content-Type: text/plain; charset=utf-8, Connection: close and a
//     fixed text body that echoes nothing of the request; and 417 (an Expect
//     other than 100-continue) with an empty body.
//   - Errors are the status text alone: no internal message reaches a client
//     (also for the 416 and 500 answers of http.ServeContent).
//
// Connections: a client has 10 s to send its request headers; a keep-alive
// connection is closed after 2 minutes without a request; a response is
// written in chunks of 32 KiB and a client that takes none of a chunk for
// -write-timeout (10 s) loses its connection, while a slow one that keeps
// reading downloads to the end.
//
// Stopping: on SIGINT or SIGTERM it stops accepting connections and waits
// up to -grace (5 s) for the requests in flight; those still running then
// are cut, and a log line says how many connections and requests were cut.
// A second signal stops it at once.
//
// Exit status: 0 after a stop on SIGINT or SIGTERM (also when the grace
// period ran out and requests were cut), 1 when the root is missing,
// unreadable or not a directory or the address cannot be bound, 2 for bad
// flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// After the first signal, the next one gets its default effect: it
	// ends the process without waiting for the grace period.
	context.AfterFunc(ctx, stop)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return
	case errors.As(err, new(usageError)):
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

// usageError marks a bad flag or argument (exit status 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// run parses the flags, opens the root, binds the address, prints the URL to
// stdout and serves until ctx is done; then it shuts down gracefully.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "`host:port` to listen on (port 0 picks a free one)")
	rootDir := fs.String("root", "build/dist", "`folder` whose files are served")
	grace := fs.Duration("grace", 5*time.Second, "how long a stop waits for requests in flight before it cuts them")
	writeTimeout := fs.Duration("write-timeout", 10*time.Second,
		"how long a client may take no bytes of a response before its connection is closed")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q (flags are -addr, -root, -grace and -write-timeout)", fs.Arg(0))}
	}
	for _, d := range []struct {
		name  string
		value time.Duration
	}{{"grace", *grace}, {"write-timeout", *writeTimeout}} {
		if d.value <= 0 {
			return usageError{fmt.Errorf("-%s %v: must be a positive duration such as 5s", d.name, d.value)}
		}
	}

	root, err := openRoot(*rootDir)
	if err != nil {
		return err
	}
	defer root.Close()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("cannot listen on -addr %s: %w", *addr, err)
	}
	fmt.Fprintf(stdout, "serving %s on %s\n", *rootDir, urlOf(ln.Addr()))

	logger := log.New(stderr, "", log.LstdFlags|log.Lmicroseconds)
	cfg := serveConfig{WriteTimeout: *writeTimeout, Grace: *grace}
	err = serve(ctx, ln, newHandler(root.FS(), logger), cfg, logger)
	logger.Printf("stopped")
	return err
}

// openRoot opens dir as the server's root, checking that it exists, is a
// directory and can be listed, so that a bad -root fails at start-up with a
// message rather than as 404s later.
func openRoot(dir string) (*os.Root, error) {
	info, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("-root %s does not exist (run `make dist` to build it)", dir)
		}
		return nil, fmt.Errorf("-root %s: %w", dir, err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("-root %s is not a directory", dir)
	}
	f, err := os.Open(dir)
	if err == nil {
		_, err = f.Readdirnames(1)
		f.Close()
		if errors.Is(err, io.EOF) { // empty but readable
			err = nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("-root %s is not readable: %w", dir, err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("-root %s: %w", dir, err)
	}
	return root, nil
}

// urlOf returns the URL a browser on this machine uses for a listener.
func urlOf(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return "http://" + a.String() + "/"
	}
	host := tcp.IP.String()
	if tcp.IP.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, fmt.Sprint(tcp.Port)) + "/"
}
