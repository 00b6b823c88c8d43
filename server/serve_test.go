package main

import (
	"bufio"
	"cmp"
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// bigRoot returns a root folder holding name, a sparse file of size bytes
// (zeros: cheap to create and to read).
func bigRoot(t *testing.T, name string, size int64) string {
	t.Helper()
	root := t.TempDir()
	f, err := os.Create(filepath.Join(root, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return root
}

// startServe runs serve with the full handler over root on a free port and
// returns the address and the log; the server stops when the test ends.
func startServe(t *testing.T, root string, cfg serveConfig) (addr string, logBuf *syncBuffer) {
	t.Helper()
	r, err := os.OpenRoot(root)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logBuf = &syncBuffer{}
	logger := log.New(logBuf, "", 0)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serve(ctx, ln, newHandler(r.FS(), logger), cfg, logger) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
		r.Close()
	})
	return ln.Addr().String(), logBuf
}

// dialWindow connects to addr with a receive buffer of rcvbuf bytes (set
// before connecting, so that it also bounds the TCP window).
func dialWindow(t *testing.T, addr string, rcvbuf int) net.Conn {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, rcvbuf)
		})
		return cmp.Or(err, serr)
	}}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// waitLog waits up to 20 s for a line of logBuf that matches re and
// returns its submatches.
func waitLog(t *testing.T, logBuf *syncBuffer, re string) []string {
	t.Helper()
	rx := regexp.MustCompile("(?m)" + re)
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if m := rx.FindStringSubmatch(logBuf.String()); m != nil {
			return m
		}
	}
	t.Fatalf("no log line matching %s in 20 s; log:\n%s", re, logBuf.String())
	return nil
}

// openFilesNamed counts this process's file descriptors open on a file
// called name (Linux: /proc/self/fd); -1 when that cannot be known.
func openFilesNamed(name string) int {
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	n := 0
	for _, fd := range fds {
		if target, err := os.Readlink("/proc/self/fd/" + fd.Name()); err == nil && filepath.Base(target) == name {
			n++
		}
	}
	return n
}

func TestWriteTimeoutCutsStalledClient(t *testing.T) {
	const size = 64 << 20 // far more than the socket buffers hold
	root := bigRoot(t, "big.bin", size)
	addr, logBuf := startServe(t, root, serveConfig{WriteTimeout: 300 * time.Millisecond, Grace: time.Second})
	conn := dialWindow(t, addr, 4096)
	if _, err := io.WriteString(conn, "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	// The client reads nothing. Without a write deadline the handler
	// would block in a write for ever, holding the file and the socket.
	m := waitLog(t, logBuf, `^GET /big\.bin 200 (\d+) `)
	if sent, _ := strconv.Atoi(m[1]); sent >= size {
		t.Errorf("log says %d bytes sent to a client that read none, want fewer than %d", sent, size)
	}
	if n := openFilesNamed("big.bin"); n != 0 {
		t.Errorf("%d descriptors still open on big.bin after the cut", n)
	}
	// The server closed the connection: reading it ends before the body does.
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	got, err := io.Copy(io.Discard, conn)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("connection still open 20 s after the cut (%d bytes read)", got)
	}
	if got >= size {
		t.Errorf("read %d bytes, the whole body, from a cut connection", got)
	}
}

// pacedReader sleeps pause after every `every` bytes read: a slow client
// that keeps reading.
type pacedReader struct {
	r      io.Reader
	every  int
	pause  time.Duration
	credit int
}

func (p *pacedReader) Read(b []byte) (int, error) {
	if p.credit <= 0 {
		time.Sleep(p.pause)
		p.credit = p.every
	}
	n, err := p.r.Read(b[:min(len(b), p.credit)])
	p.credit -= n
	return n, err
}

func TestWriteTimeoutSparesSlowReader(t *testing.T) {
	// 16 MB at 128 KB per 10 ms takes at least 1.25 s, so the server waits
	// on this client for several write timeouts in all, but never for one
	// whole timeout on one chunk: the deadline must move with progress.
	const size = 16 << 20
	root := bigRoot(t, "mid.bin", size)
	addr, logBuf := startServe(t, root, serveConfig{WriteTimeout: 400 * time.Millisecond, Grace: time.Second})
	conn := dialWindow(t, addr, 64<<10)
	if _, err := io.WriteString(conn, "GET /mid.bin HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	resp, err := http.ReadResponse(bufio.NewReaderSize(&pacedReader{r: conn, every: 128 << 10, pause: 10 * time.Millisecond}, 64<<10), nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.Copy(io.Discard, resp.Body)
	if err != nil || got != size {
		t.Fatalf("slow reader got %d bytes (%v) in %v, want all %d", got, err, time.Since(start), size)
	}
	if m := waitLog(t, logBuf, `^GET /mid\.bin 200 (\d+) `); m[1] != strconv.Itoa(size) {
		t.Errorf("log says %s bytes sent, want %d", m[1], size)
	}
	t.Logf("slow download of %d bytes took %v against a write timeout of 400ms", size, time.Since(start))
}

// rawExchange sends request on a new connection to addr and returns all
// the server answers until it closes the connection.
func rawExchange(t *testing.T, addr, request string) string {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	go io.WriteString(conn, request) // the server may answer before it has read everything
	answer, err := io.ReadAll(conn)
	if err != nil && len(answer) == 0 {
		t.Fatalf("request %.60q: %v", request, err)
	}
	return string(answer)
}

// TestNetHTTPOwnErrors pins what the README and the package doc say about
// the answers net/http writes itself, before any handler runs, to requests
// it cannot parse: no security headers, only Content-Type (text/plain) and
// Connection: close, and a fixed body that echoes nothing of the request.
// If a Go release changes them, this test fails and the docs need updating.
func TestNetHTTPOwnErrors(t *testing.T) {
	root, _ := fixture(t)
	addr, logBuf := startServe(t, root, serveConfig{WriteTimeout: 10 * time.Second, Grace: time.Second})
	const plain = "Content-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"
	for _, tc := range []struct {
		name, request, want string
	}{
		{"malformed request line", "GARBAGE\r\n\r\n",
			"HTTP/1.1 400 Bad Request\r\n" + plain + "400 Bad Request"},
		{"no Host", "GET / HTTP/1.1\r\n\r\n",
			"HTTP/1.1 400 Bad Request: missing required Host header\r\n" + plain + "400 Bad Request: missing required Host header"},
		{"bad header name", "GET / HTTP/1.1\r\nHost: x\r\nBad Name<script>: 1\r\n\r\n",
			"HTTP/1.1 400 Bad Request\r\n" + plain + "400 Bad Request"},
		{"headers over 1 MB", "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 1<<20+8192) + "\r\n\r\n",
			"HTTP/1.1 431 Request Header Fields Too Large\r\n" + plain + "431 Request Header Fields Too Large"},
		{"unknown Transfer-Encoding", "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: <script>\r\n\r\n",
			"HTTP/1.1 501 Not Implemented\r\n" + plain + "Unsupported transfer encoding"},
		{"HTTP/2 request line", "GET / HTTP/2.0\r\nHost: x\r\n\r\n",
			"HTTP/1.1 505 HTTP Version Not Supported: unsupported protocol version\r\n" + plain +
				"505 HTTP Version Not Supported: unsupported protocol version"},
	} {
		if got := rawExchange(t, addr, tc.request); got != tc.want {
			t.Errorf("%s: got %.300q, want exactly %q", tc.name, got, tc.want)
		}
	}
	// 417 goes through net/http's response writer, still before the handler.
	got := rawExchange(t, addr, "GET / HTTP/1.1\r\nHost: x\r\nExpect: <script>\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(got)), nil)
	if err != nil {
		t.Fatalf("Expect: %v in %q", err, got)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusExpectationFailed || len(body) != 0 || resp.Header.Get("Content-Security-Policy") != "" {
		t.Errorf("Expect: got %q, want a 417 with an empty body and no CSP", got)
	}
	// None of them reached the handler, so none is logged.
	if s := logBuf.String(); s != "" {
		t.Errorf("log %q, want nothing", s)
	}
	// The same server's own answers do carry the headers.
	answer := rawExchange(t, addr, "GET /../x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if !strings.HasPrefix(answer, "HTTP/1.1 400 Bad Request\r\n") || !strings.Contains(answer, "Content-Security-Policy: "+contentSecurityPolicy+"\r\n") {
		t.Errorf("handler's 400: %q, want the CSP", answer)
	}
}
