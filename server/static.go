package main

import (
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"syscall"
)

// staticFiles serves the files of fsys (in production an os.Root's FS, so
// that no name or symbolic link leads outside the root).
type staticFiles struct {
	fsys fs.FS
}

// ServeHTTP maps the request path to a file and serves it.
func (s staticFiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, code := s.resolve(r.URL.Path)
	switch code {
	case http.StatusOK:
		s.serveFile(w, r, name)
	case http.StatusMovedPermanently:
		u := url.URL{Path: "/" + name + "/", RawQuery: r.URL.RawQuery}
		http.Redirect(w, r, u.String(), code)
	default:
		httpError(w, code)
	}
}

// resolve maps a URL path to the name of a regular file in s.fsys, or
// reports why not: 400 for a path that is not acceptable, 404/403/500 for
// files that cannot be served, 301 (with name the directory) for a directory
// requested without its trailing slash.
func (s staticFiles) resolve(urlPath string) (name string, code int) {
	name, ok := cleanPath(urlPath)
	if !ok {
		return "", http.StatusBadRequest
	}
	if hidden(name) {
		return "", http.StatusNotFound
	}
	info, err := fs.Stat(s.fsys, name)
	if err != nil {
		return "", statusOf(err)
	}
	slash := strings.HasSuffix(urlPath, "/")
	if info.IsDir() {
		index := path.Join(name, "index.html")
		info, err = fs.Stat(s.fsys, index)
		if err != nil {
			return "", statusOf(err)
		}
		if !slash {
			return name, http.StatusMovedPermanently
		}
		name = index
	} else if slash {
		return "", http.StatusNotFound // a file lives at its own path only
	}
	if !info.Mode().IsRegular() {
		return "", http.StatusNotFound
	}
	return name, http.StatusOK
}

// cleanPath turns a URL path into a name for an fs.FS ("." for the root).
// It refuses (ok false) paths that do not start with a slash or that contain
// a ".." element, a backslash or a NUL byte, whether they came encoded or
// not (the URL path is already decoded); other oddities ("//", "/./") are
// cleaned away.
func cleanPath(urlPath string) (name string, ok bool) {
	if !strings.HasPrefix(urlPath, "/") || strings.ContainsAny(urlPath, "\\\x00") {
		return "", false
	}
	for elem := range strings.SplitSeq(urlPath, "/") {
		if elem == ".." {
			return "", false
		}
	}
	name = strings.TrimPrefix(path.Clean(urlPath), "/")
	if name == "" {
		name = "."
	}
	return name, fs.ValidPath(name)
}

// hidden reports whether any element of name starts with a dot (.git,
// .env, editor droppings): such files are never served.
func hidden(name string) bool {
	if name == "." {
		return false
	}
	for elem := range strings.SplitSeq(name, "/") {
		if strings.HasPrefix(elem, ".") {
			return true
		}
	}
	return false
}

// statusOf maps an error from the file system to a status code. Errors the
// operating system raised are classified by errno: a missing or impossible
// name is 404, a permission problem 403, anything else (I/O errors, no file
// descriptors left, ...) 500. An error that carries no errno comes from
// os.Root refusing the name (for example a symbolic link leading outside the
// root) and is 404.
func statusOf(err error) int {
	if errors.Is(err, fs.ErrPermission) {
		return http.StatusForbidden
	}
	if errors.Is(err, fs.ErrNotExist) {
		return http.StatusNotFound
	}
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return http.StatusNotFound
	}
	switch errno {
	case syscall.ENOTDIR, syscall.ENAMETOOLONG, syscall.ELOOP, syscall.EINVAL:
		return http.StatusNotFound
	}
	return http.StatusInternalServerError
}

// serveFile serves the regular file name, or the precompressed sibling the
// request's Accept-Encoding prefers, with its headers.
func (s staticFiles) serveFile(w http.ResponseWriter, r *http.Request, name string) {
	file, encoding := name, ""
	for _, enc := range acceptedEncodings(r.Header.Get("Accept-Encoding")) {
		if sibling := name + siblingSuffix(enc); isRegular(s.fsys, sibling) {
			file, encoding = sibling, enc
			break
		}
	}
	f, err := s.fsys.Open(file)
	if err != nil {
		httpError(w, statusOf(err))
		return
	}
	defer f.Close()
	info, err := f.Stat()
	rs, seekable := f.(io.ReadSeeker)
	if err != nil || !seekable || !info.Mode().IsRegular() {
		httpError(w, http.StatusInternalServerError)
		return
	}

	h := w.Header()
	h.Set("Content-Type", contentType(name))
	h.Set("Cache-Control", cacheControl(name))
	h.Set("Vary", "Accept-Encoding")
	h.Set("Etag", etag(info, encoding))
	if encoding != "" {
		h.Set("Content-Encoding", encoding)
	}
	// ServeContent leaves Content-Length out when Content-Encoding is set;
	// the size of a precompressed file is known, so say it (progress bars
	// need it). ServeContent replaces it for ranges and drops it for 304s
	// and errors.
	h.Set("Content-Length", strconv.FormatInt(info.Size(), 10))
	http.ServeContent(&plainErrors{ResponseWriter: w}, r, name, info.ModTime(), rs)
}

// siblingSuffix returns the file name suffix of a content coding's
// precompressed sibling.
func siblingSuffix(coding string) string {
	if coding == "gzip" {
		return ".gz"
	}
	return "." + coding // br
}

// isRegular reports whether name is a regular file in fsys.
func isRegular(fsys fs.FS, name string) bool {
	info, err := fs.Stat(fsys, name)
	return err == nil && info.Mode().IsRegular()
}

// etag returns a strong entity tag for the bytes of one file as served: its
// modification time and size, and the content coding, so that each encoding
// of a file has its own tag (ranges and If-None-Match depend on that).
func etag(info fs.FileInfo, encoding string) string {
	tag := strconv.FormatInt(info.ModTime().UnixNano(), 36) + "-" + strconv.FormatInt(info.Size(), 36)
	if encoding != "" {
		tag += "-" + encoding
	}
	return strconv.Quote(tag)
}

// plainErrors turns the error responses of http.ServeContent into ours:
// ServeContent answers a range it cannot satisfy (416) or a failed seek
// (500) with http.Error and Go's own message ("invalid range: failed to
// overlap", the text of the seek error); plainErrors sends httpError's
// status text and headers instead, and drops what ServeContent then writes.
// The Content-Range of a 416 (bytes */size) stays: it is what the client
// needs to ask again.
type plainErrors struct {
	http.ResponseWriter
	failed bool // an error status was sent: drop the caller's body
}

func (p *plainErrors) WriteHeader(code int) {
	if code < 400 || p.failed {
		p.ResponseWriter.WriteHeader(code)
		return
	}
	p.failed = true
	httpError(p.ResponseWriter, code)
}

func (p *plainErrors) Write(b []byte) (int, error) {
	if p.failed {
		return len(b), nil
	}
	return p.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (p *plainErrors) Unwrap() http.ResponseWriter { return p.ResponseWriter }
