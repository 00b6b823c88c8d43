package browser

import (
	"fmt"
	"io/fs"
)

// HTTPError is a fetch that got an answer other than 200 OK.
type HTTPError struct {
	URL    string
	Status int
}

// Error returns "fetch URL: HTTP status".
func (e *HTTPError) Error() string { return fmt.Sprintf("fetch %s: HTTP %d", e.URL, e.Status) }

// Is reports whether a 404 is asked about as fs.ErrNotExist: the site has
// no such file.
func (e *HTTPError) Is(target error) bool { return e.Status == 404 && target == fs.ErrNotExist }
