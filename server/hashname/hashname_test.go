package hashname

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
)

func TestOf(t *testing.T) {
	content := []byte("hello wasm")
	sum := sha256.Sum256(content)
	h := hex.EncodeToString(sum[:])[:HexLen]
	for _, tc := range []struct{ in, want string }{
		{"app.wasm", "app." + h + ".wasm"},
		{"wasm_exec.js", "wasm_exec." + h + ".js"},
		{"a.b.js", "a.b." + h + ".js"},
		{"dir/app.wasm", "dir/app." + h + ".wasm"},
		{"LICENSE", "LICENSE." + h},
		{".hidden", ".hidden." + h},
	} {
		if got := Of(tc.in, content); got != tc.want {
			t.Errorf("Of(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if Of("app.wasm", []byte("a")) == Of("app.wasm", []byte("b")) {
		t.Error("different contents gave the same name")
	}
}

func TestIsRecognisesOf(t *testing.T) {
	for _, name := range []string{"app.wasm", "wasm_exec.js", "dir/x.json", "LICENSE", "a.b.c.js"} {
		hashed := Of(name, []byte(name))
		if !Is(hashed) {
			t.Errorf("Is(%q) = false for a name made by Of", hashed)
		}
		if Is(name) {
			t.Errorf("Is(%q) = true for a plain name", name)
		}
	}
}

func TestIs(t *testing.T) {
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"app.0123abcd89.wasm", true},
		{"/assets/x.ffffffffff.js", true},
		{"LICENSE.0123456789", true},
		{"app.0123ABCD89.wasm", false},  // uppercase hex
		{"app.0123abcd8.wasm", false},   // 9 digits
		{"app.0123abcd890.wasm", false}, // 11 digits
		{"app.0123abcdzz.wasm", false},  // not hex
		{".0123abcd89.wasm", false},     // empty stem
		{"app.0123abcd89.", false},      // empty extension
		{"app.0123abcd89.w-s", false},   // odd extension
		{"index.html", false},
		{"", false},
	} {
		if got := Is(tc.name); got != tc.want {
			t.Errorf("Is(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// The hash is the start of `printf '\0asm' | sha256sum`.
func ExampleOf() {
	fmt.Println(Of("app.wasm", []byte("\x00asm")))
	// Output: app.cd5d4935a4.wasm
}
