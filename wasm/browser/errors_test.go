package browser

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"
)

func TestHTTPError(t *testing.T) {
	missing := fmt.Errorf("weights: %w", &HTTPError{URL: "assets/models/x.safetensors", Status: 404})
	if !errors.Is(missing, fs.ErrNotExist) {
		t.Errorf("a 404 is not fs.ErrNotExist: %v", missing)
	}
	if got, want := missing.Error(), "weights: fetch assets/models/x.safetensors: HTTP 404"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	for _, status := range []int{200, 403, 500} {
		if err := (&HTTPError{URL: "u", Status: status}); errors.Is(err, fs.ErrNotExist) {
			t.Errorf("HTTP %d is fs.ErrNotExist", status)
		}
	}
}
