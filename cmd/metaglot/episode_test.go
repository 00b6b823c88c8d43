package main

import (
	"bytes"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEpisodeCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "ep.png")
	var stdout, stderr bytes.Buffer
	args := []string{"-split", "vinyals-test", "-way", "5", "-shot", "2", "-query", "3", "-seed", "7", "-out", out, "-assets", "../../assets"}
	if err := runEpisode(args, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if n := strings.Count(stdout.String(), "label "); n != 5 {
		t.Errorf("stdout names %d classes, want 5:\n%s", n, stdout.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	// 5 rows of 84-pixel images: the picture is at least 5·84 high.
	if h := img.Bounds().Dy(); h < 5*84 {
		t.Errorf("picture is %d pixels high, too short for 5 rows", h)
	}
	// The same seed draws the same episode: the same picture.
	out2 := filepath.Join(t.TempDir(), "ep2.png")
	args[len(args)-3] = out2
	if err := runEpisode(args, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if b2, _ := os.ReadFile(out2); !bytes.Equal(b, b2) {
		t.Error("same flags, different pictures")
	}
}

func TestEpisodeCommandErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args  []string
		usage bool
		want  string
	}{
		{[]string{"-way", "30", "-split", "lake-evaluation", "-alphabet", "Angelic"}, true, "exceeds the 20 classes of alphabet Angelic"},
		{[]string{"-shot", "10", "-query", "11"}, true, "only 20 images"},
		{[]string{"-split", "omniglot"}, true, "-split"},
		{[]string{"-out", filepath.Join(dir, "x.jpg")}, true, ".png"},
		{[]string{"-assets", dir}, true, "no index.json"},
		{[]string{"-out", filepath.Join(dir, "missing", "x.png")}, false, "missing"},
	} {
		args := append([]string{"-out", filepath.Join(dir, "e.png"), "-assets", "../../assets"}, tc.args...)
		err := runEpisode(args, new(bytes.Buffer), new(bytes.Buffer))
		var ue usageError
		if err == nil || !strings.Contains(err.Error(), tc.want) || errors.As(err, &ue) != tc.usage {
			t.Errorf("%v: got %v (usage error: %v), want an error containing %q (usage error: %v)", tc.args, err, errors.As(err, &ue), tc.want, tc.usage)
		}
	}
}
