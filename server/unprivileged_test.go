package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// nobody is the unprivileged user (uid and gid) that permission tests run
// as when the tests run as root.
const nobody = 65534

// asUnprivileged lets a test that needs file permissions to apply run where
// they do not: as root, as CI runs. Run as root, it runs the calling test
// again in a child process, a copy of the test binary running as the user
// nobody, fails the test unless the child ran it and it passed (a skip is
// a failure), and returns true: the caller returns at once. Run as anyone
// else (also in that child), it returns false and the caller goes on.
//
//	func TestX(t *testing.T) {
//		if asUnprivileged(t) {
//			return
//		}
//		... the test, as a user whom permissions apply to ...
//	}
func asUnprivileged(t *testing.T) (ranInChild bool) {
	t.Helper()
	if os.Geteuid() != 0 {
		return false
	}
	// The test binary lives in the go command's private build folder;
	// nobody needs a copy it can read and execute, and a temporary folder
	// of its own.
	dir, err := os.MkdirTemp("", "server-test-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	tmp := filepath.Join(dir, "tmp")
	for _, err := range []error{os.Chmod(dir, 0o755), os.Mkdir(tmp, 0o700), os.Chown(tmp, nobody, nobody)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "server.test")
	if err := copyFile(bin, self, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run", "^"+regexp.QuoteMeta(t.Name())+"$", "-test.count=1", "-test.v")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s as nobody (uid %d): %v\n%s", t.Name(), nobody, err, out)
	}
	if !strings.Contains(string(out), "--- PASS: "+t.Name()+" ") {
		t.Fatalf("%s as nobody (uid %d) did not pass:\n%s", t.Name(), nobody, out)
	}
	t.Logf("ran as nobody (uid %d):\n%s", nobody, out)
	return true
}

// copyFile copies the file src to a new file dst with mode perm.
func copyFile(dst, src string, perm os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// TestAsUnprivilegedRunsAsNobody checks the helper itself: the body runs,
// and as a user other than root.
func TestAsUnprivilegedRunsAsNobody(t *testing.T) {
	if asUnprivileged(t) {
		return
	}
	if os.Geteuid() == 0 {
		t.Fatal("running as root after asUnprivileged")
	}
}
