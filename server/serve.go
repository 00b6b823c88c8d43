package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// serveConfig holds the connection policy of serve. Every field must be
// positive.
type serveConfig struct {
	// WriteTimeout bounds how long one write of at most deadlineChunk bytes
	// of a response may wait for the client to take it: a client that stops
	// reading is cut off after WriteTimeout, a slow one that keeps reading
	// is not (see deadlineWriter).
	WriteTimeout time.Duration
	// Grace bounds how long a stop waits for requests in flight before it
	// closes their connections.
	Grace time.Duration
}

// Timeouts that serve applies to every connection whatever the flags say:
// a client has 10 s to send its request headers, and a keep-alive
// connection is closed after 2 minutes without a request.
const (
	readHeaderTimeout = 10 * time.Second
	idleTimeout       = 2 * time.Minute
)

// serve serves h on ln until ctx is done, then stops: it stops accepting
// connections, closes the idle ones and waits up to cfg.Grace for the
// requests in flight. Connections still busy then are closed, cutting their
// responses short, and a log line says how many. A stop returns nil, cut or
// not; serve returns an error only when serving itself failed.
func serve(ctx context.Context, ln net.Listener, h http.Handler, cfg serveConfig, logger *log.Logger) error {
	var t tracker
	srv := &http.Server{
		Handler:           t.count(writeDeadlines(cfg.WriteTimeout, h)),
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       idleTimeout,
		ConnState:         t.connState,
		ErrorLog:          logger,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	logger.Printf("stopping: waiting up to %v for %s in flight", cfg.Grace, plural(t.requests.Load(), "request"))
	sctx, cancel := context.WithTimeout(context.Background(), cfg.Grace)
	defer cancel()
	err := srv.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		conns, reqs := t.busy(), t.requests.Load()
		srv.Close()
		logger.Printf("grace period of %v over: cut %s, %s in flight", cfg.Grace, plural(int64(conns), "connection"), plural(reqs, "request"))
		// The cut handlers return as soon as their next write fails; wait
		// a little for them so that their log lines come before the end.
		for wait := time.Now().Add(time.Second); t.requests.Load() > 0 && time.Now().Before(wait); {
			time.Sleep(5 * time.Millisecond)
		}
	} else if err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving: %w", err)
	}
	return nil
}

// plural returns "1 request", "2 requests".
func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// tracker counts the requests in flight and the connections that are not
// idle, so that a stop can say what it cut.
type tracker struct {
	requests atomic.Int64

	mu    sync.Mutex
	conns map[net.Conn]http.ConnState
}

// count wraps h so that t.requests counts its calls in progress.
func (t *tracker) count(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.requests.Add(1)
		defer t.requests.Add(-1)
		h.ServeHTTP(w, r)
	})
}

// connState is the server's ConnState hook.
func (t *tracker) connState(c net.Conn, s http.ConnState) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.conns == nil {
		t.conns = map[net.Conn]http.ConnState{}
	}
	switch s {
	case http.StateClosed, http.StateHijacked:
		delete(t.conns, c)
	default:
		t.conns[c] = s
	}
}

// busy returns the number of open connections that are not idle.
func (t *tracker) busy() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, s := range t.conns {
		if s != http.StateIdle {
			n++
		}
	}
	return n
}
