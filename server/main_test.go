package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestAcceptedEncodings(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   []string
	}{
		{"", nil},
		{"identity", nil},
		{"gzip, deflate, br", []string{"br", "gzip"}},
		{"gzip, deflate", []string{"gzip"}},
		{"BR;Q=1, GZIP", []string{"br", "gzip"}},
		{"br;q=0.2, gzip;q=0.9", []string{"gzip", "br"}},
		{"br;q=0", nil},
		{"*", []string{"br", "gzip"}},
		{"*;q=0.5, gzip", []string{"gzip", "br"}},
		{"*, gzip;q=0", []string{"br"}},
		{"br;q=2, gzip", []string{"gzip"}}, // q out of range drops br
		{" br ; q=0.7 ,gzip;q=0.7", []string{"br", "gzip"}},
	} {
		if got := acceptedEncodings(tc.header); !slices.Equal(got, tc.want) {
			t.Errorf("acceptedEncodings(%q) = %q, want %q", tc.header, got, tc.want)
		}
	}
}

func TestCleanPath(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"/", ".", true},
		{"/index.html", "index.html", true},
		{"//a//b/", "a/b", true},
		{"/a/./b", "a/b", true},
		{"/a/../b", "", false},
		{"/..", "", false},
		{"/a\\b", "", false},
		{"/a\x00", "", false},
		{"a", "", false},
		{"", "", false},
		{"*", "", false},
	} {
		got, ok := cleanPath(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("cleanPath(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestRunStartupErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("x"), 0o644)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, tc := range []struct {
		args  []string
		want  string
		usage bool
	}{
		{[]string{"-root", filepath.Join(dir, "missing")}, "does not exist", false},
		{[]string{"-root", file}, "is not a directory", false},
		{[]string{"-root", dir, "-addr", busy.Addr().String()}, "cannot listen on -addr " + busy.Addr().String(), false},
		{[]string{"-root", dir, "-addr", "nonsense"}, "cannot listen", false},
		{[]string{"-root", dir, "-bogus"}, "flag provided but not defined", true},
		{[]string{"-root", dir, "extra"}, "unexpected argument", true},
		{[]string{"-root", dir, "-grace", "0s"}, "-grace 0s: must be a positive duration", true},
		{[]string{"-root", dir, "-write-timeout", "-1s"}, "-write-timeout -1s: must be a positive duration", true},
		{[]string{"-root", dir, "-grace", "soon"}, "invalid value \"soon\" for flag -grace", true},
	} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), tc.args, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("run(%q) = %v, want an error containing %q", tc.args, err, tc.want)
			continue
		}
		if got := errors.As(err, new(usageError)); got != tc.usage {
			t.Errorf("run(%q): usage error %v, want %v", tc.args, got, tc.usage)
		}
		if stdout.Len() != 0 {
			t.Errorf("run(%q) printed %q on a failed start", tc.args, stdout.String())
		}
	}
}

func TestRunUnreadableRoot(t *testing.T) {
	if asUnprivileged(t) { // as root, permissions do not apply
		return
	}
	dir := filepath.Join(t.TempDir(), "locked")
	os.Mkdir(dir, 0)
	err := run(context.Background(), []string{"-root", dir, "-addr", "127.0.0.1:0"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "not readable") {
		t.Errorf("unreadable root: %v, want an error saying so", err)
	}
}

// startRun runs the server in-process on a free port and returns its URL,
// its stderr and a function that stops it and returns run's error.
func startRun(t *testing.T, root string) (url string, stderr *syncBuffer, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	stderr = &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-root", root}, pw, stderr)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("no start-up line: %v (stderr %q)", err, stderr.String())
	}
	go io.Copy(io.Discard, pr)
	_, url, _ = strings.Cut(strings.TrimSpace(line), " on ")
	return url, stderr, func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			t.Fatal("run did not return 10 s after its context ended")
			return nil
		}
	}
}

func TestRunServesAndStops(t *testing.T) {
	root, _ := fixture(t)
	url, stderr, stop := startRun(t, root)
	if !strings.HasPrefix(url, "http://127.0.0.1:") || !strings.HasSuffix(url, "/") {
		t.Fatalf("printed URL %q, want http://127.0.0.1:PORT/", url)
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != indexHTML {
		t.Errorf("GET %s: %d %q", url, resp.StatusCode, body)
	}
	if err := stop(); err != nil {
		t.Errorf("run after stop: %v, want nil", err)
	}
	if _, err := http.Get(url); err == nil {
		t.Error("server still answers after stop")
	}
	if log := stderr.String(); !strings.Contains(log, "GET / 200 ") || !strings.Contains(log, "stopped") {
		t.Errorf("stderr %q lacks the request line or the stop line", log)
	}
}

func TestServeWaitsForRequestsInFlight(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started, release := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		io.WriteString(w, "finished")
	})
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	cfg := serveConfig{WriteTimeout: 10 * time.Second, Grace: 10 * time.Second}
	go func() { served <- serve(ctx, ln, h, cfg, log.New(io.Discard, "", 0)) }()

	got := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/")
		if err != nil {
			got <- "error: " + err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- string(b)
	}()
	<-started
	cancel() // the "signal" arrives while the request is in flight
	select {
	case err := <-served:
		t.Fatalf("serve returned (%v) before the request in flight finished", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if body := <-got; body != "finished" {
		t.Errorf("request in flight got %q, want finished", body)
	}
	if err := <-served; err != nil {
		t.Errorf("serve: %v, want nil", err)
	}
}

func TestServeGraceCutsRequests(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done() // stuck until the connection goes
	})
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	var logBuf syncBuffer
	cfg := serveConfig{WriteTimeout: 10 * time.Second, Grace: 50 * time.Millisecond}
	go func() { served <- serve(ctx, ln, h, cfg, log.New(&logBuf, "", 0)) }()
	got := make(chan error, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/")
		if err == nil {
			resp.Body.Close()
		}
		got <- err
	}()
	<-started
	cancel()
	if err := <-served; err != nil {
		t.Errorf("serve with a stuck request: %v, want nil (a stop, cut or not, is no error)", err)
	}
	if err := <-got; err == nil {
		t.Error("the stuck request got a response; want its connection cut")
	}
	for _, want := range []string{
		"stopping: waiting up to 50ms for 1 request in flight\n",
		"grace period of 50ms over: cut 1 connection, 1 request in flight\n",
	} {
		if !strings.Contains(logBuf.String(), want) {
			t.Errorf("log %q lacks %q", logBuf.String(), want)
		}
	}
}

// built is the server binary the Binary tests share: built once, by the
// first test that needs it, into a folder TestMain removes.
var built struct {
	once     sync.Once
	dir, bin string
	err      error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// buildServer returns the path of the command compiled into a temporary
// folder (once per test binary).
func buildServer(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	gocmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command in PATH")
	}
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "server-bin-"); built.err != nil {
			return
		}
		built.bin = filepath.Join(built.dir, "server")
		out, err := exec.Command(gocmd, "build", "-o", built.bin, ".").CombinedOutput()
		if err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.bin
}

func TestBinarySignals(t *testing.T) {
	bin := buildServer(t)
	root, _ := fixture(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-root", root)
		stdout, _ := cmd.StdoutPipe()
		var stderr syncBuffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err != nil {
			cmd.Process.Kill()
			t.Fatalf("no URL printed: %v; stderr %q", err, stderr.String())
		}
		_, url, _ := strings.Cut(strings.TrimSpace(line), " on ")
		resp, err := http.Get(url + hashedWasm)
		if err != nil {
			cmd.Process.Kill()
			t.Fatal(err)
		}
		resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "application/wasm" {
			t.Errorf("binary: GET wasm %d %q", resp.StatusCode, ct)
		}
		cmd.Process.Signal(sig)
		waited := make(chan error, 1)
		go func() { waited <- cmd.Wait() }()
		select {
		case err := <-waited:
			if err != nil {
				t.Errorf("after %v: %v, want exit status 0; stderr %q", sig, err, stderr.String())
			}
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("still running 10 s after %v", sig)
		}
		if log := stderr.String(); !strings.Contains(log, "GET /"+hashedWasm+" 200 ") || !strings.Contains(log, "stopped") {
			t.Errorf("after %v: stderr %q lacks the request or stop line", sig, log)
		}
	}
}

func TestBinaryStartupFailureExitsOne(t *testing.T) {
	bin := buildServer(t)
	missing := filepath.Join(t.TempDir(), "nope")
	out, err := exec.Command(bin, "-addr", "127.0.0.1:0", "-root", missing).CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("missing root: %v, want exit status 1", err)
	}
	if want := "server: -root " + missing + " does not exist"; !strings.Contains(string(out), want) {
		t.Errorf("output %q, want %q", out, want)
	}
	_, err = exec.Command(bin, "-nope").CombinedOutput()
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Errorf("bad flag: %v, want exit status 2", err)
	}
}

// startBinary starts the server binary with args after -addr 127.0.0.1:0
// and returns the address it serves on, its stderr and the command; the
// process is killed if the test ends first.
func startBinary(t *testing.T, bin string, args ...string) (addr string, stderr *syncBuffer, cmd *exec.Cmd) {
	t.Helper()
	cmd = exec.Command(bin, append([]string{"-addr", "127.0.0.1:0"}, args...)...)
	stdout, _ := cmd.StdoutPipe()
	stderr = &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("no URL printed: %v; stderr %q", err, stderr.String())
	}
	_, url, _ := strings.Cut(strings.TrimSpace(line), " on ")
	return strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/"), stderr, cmd
}

// waitExit waits up to 20 s for cmd to end and returns what Wait said.
func waitExit(t *testing.T, cmd *exec.Cmd) error {
	t.Helper()
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		return err
	case <-time.After(20 * time.Second):
		t.Fatal("server still running 20 s after the signal")
		return nil
	}
}

// startDownload asks addr for path on a connection with a small receive
// window, reads the response headers and nothing more: a download in
// flight, stalled until the caller reads the body.
func startDownload(t *testing.T, addr, path string) *http.Response {
	t.Helper()
	conn := dialWindow(t, addr, 64<<10)
	if _, err := io.WriteString(conn, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s", path, resp.Status)
	}
	return resp
}

func TestBinaryGraceCutsLongDownload(t *testing.T) {
	bin := buildServer(t)
	const size = 256 << 20
	root := bigRoot(t, "big.bin", size)
	addr, stderr, cmd := startBinary(t, bin, "-root", root, "-grace", "300ms", "-write-timeout", "1m")
	resp := startDownload(t, addr, "/big.bin")
	defer resp.Body.Close()
	cmd.Process.Signal(syscall.SIGTERM)
	if err := waitExit(t, cmd); err != nil {
		t.Errorf("after SIGTERM with a download cut: %v, want exit status 0; stderr %q", err, stderr.String())
	}
	log := stderr.String()
	for _, want := range []string{
		"stopping: waiting up to 300ms for 1 request in flight\n",
		"grace period of 300ms over: cut 1 connection, 1 request in flight\n",
		"stopped\n",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("stderr lacks %q:\n%s", want, log)
		}
	}
	m := regexp.MustCompile(`GET /big\.bin 200 (\d+) `).FindStringSubmatch(log)
	if m == nil {
		t.Fatalf("no log line for the cut download:\n%s", log)
	}
	if sent, _ := strconv.Atoi(m[1]); sent >= size {
		t.Errorf("the cut download logged %d bytes, want fewer than %d", sent, size)
	}
}

func TestBinaryGraceLetsDownloadFinish(t *testing.T) {
	bin := buildServer(t)
	const size = 64 << 20
	root := bigRoot(t, "big.bin", size)
	addr, stderr, cmd := startBinary(t, bin, "-root", root, "-grace", "1m")
	resp := startDownload(t, addr, "/big.bin")
	defer resp.Body.Close()
	cmd.Process.Signal(syscall.SIGTERM)
	for end := time.Now().Add(20 * time.Second); !strings.Contains(stderr.String(), "stopping:"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("no stopping line 20 s after SIGTERM: %q", stderr.String())
		}
	}
	// The download was in flight when the stop began, and it completes.
	got, err := io.Copy(io.Discard, resp.Body)
	if err != nil || got != size {
		t.Errorf("download during the stop: %d bytes (%v), want all %d", got, err, size)
	}
	if err := waitExit(t, cmd); err != nil {
		t.Errorf("after SIGTERM: %v, want exit status 0; stderr %q", err, stderr.String())
	}
	log := stderr.String()
	for _, want := range []string{"stopping: waiting up to 1m0s for 1 request in flight\n", "GET /big.bin 200 " + strconv.Itoa(size) + " ", "stopped\n"} {
		if !strings.Contains(log, want) {
			t.Errorf("stderr lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "cut") {
		t.Errorf("stderr reports a cut, though the download finished:\n%s", log)
	}
}

func TestBinarySecondSignalStopsAtOnce(t *testing.T) {
	bin := buildServer(t)
	root := bigRoot(t, "big.bin", 256<<20)
	addr, stderr, cmd := startBinary(t, bin, "-root", root, "-grace", "10m", "-write-timeout", "10m")
	resp := startDownload(t, addr, "/big.bin")
	defer resp.Body.Close()
	cmd.Process.Signal(syscall.SIGTERM)
	for end := time.Now().Add(20 * time.Second); !strings.Contains(stderr.String(), "stopping:"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("no stopping line 20 s after SIGTERM: %q", stderr.String())
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	err := waitExit(t, cmd) // well before the 10-minute grace
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("after a second SIGTERM: %v, want death by the signal", err)
	}
	if ws, ok := exit.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
		t.Errorf("after a second SIGTERM: %v, want death by SIGTERM", err)
	}
}
