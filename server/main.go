// Command server serves the metaglot page: the static files of one folder
// (the build/dist that `make dist` assembles), and nothing else.
//
// Usage:
//
//	go run ./server -addr 127.0.0.1:8080 -root build/dist
//
// It prints the URL it serves on, logs one line per request to stderr and
// stops gracefully on SIGINT or SIGTERM. With -addr host:0 it picks a free
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
//   - Security headers on every response, errors included: a
//     Content-Security-Policy that allows WebAssembly and nothing inline but
//     styles, X-Content-Type-Options: nosniff, Referrer-Policy: no-referrer.
//   - Errors are the status text alone: no internal message reaches a client.
//
// Exit status: 0 after a graceful stop, 1 when the root is missing,
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
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// shutdownTimeout bounds how long a stop waits for requests in flight.
const shutdownTimeout = 5 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
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
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q (flags are -addr and -root)", fs.Arg(0))}
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
	err = serve(ctx, ln, newHandler(root.FS(), logger), shutdownTimeout)
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

// serve serves h on ln until ctx is done, then stops accepting connections
// and waits up to timeout for requests in flight to finish.
func serve(ctx context.Context, ln net.Listener, h http.Handler, timeout time.Duration) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving: %w", err)
	}
	return nil
}
