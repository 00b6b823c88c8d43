package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"metaglot/core/checkpoint"
	"metaglot/core/learner"
	"metaglot/core/modelfile"
	"metaglot/core/nn"
	"metaglot/core/tensor"
)

const testAssets = "../../assets"

// runCLI runs metaglot in-process and returns its exit status and output.
func runCLI(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

// tinyTrain is a training run small enough for tests: 5-way 1-shot
// ProtoNet episodes of 10 images.
func tinyTrain(out string, extra ...string) []string {
	args := []string{"train", "-algo", "protonet", "-way", "5", "-shot", "1", "-query", "1",
		"-assets", testAssets, "-threads", "1", "-progress=false", "-out", out}
	return append(args, extra...)
}

func TestTrainUsageErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"train", "-h"}, 0, "-inner-lr"},
		{[]string{"train", "-out", dir}, 2, "-algo is required"},
		{[]string{"train", "-algo", "protonet"}, 2, "-out is required"},
		{[]string{"train", "-algo", "svm", "-out", dir}, 2, `-algo "svm"`},
		{[]string{"train", "-algo", "protonet", "-way", "1", "-out", dir}, 2, "-way 1"},
		{[]string{"train", "-algo", "protonet", "-shot", "15", "-query", "10", "-out", dir}, 2, "shot+query"},
		{[]string{"train", "-algo", "fomaml", "-inner-lr", "-1", "-out", dir}, 2, "-inner-lr"},
		{[]string{"train", "-algo", "protonet", "-bogus", "-out", dir}, 2, "bogus"},
		{[]string{"train", "-algo", "protonet", "-out", dir, "extra"}, 2, "unexpected argument"},
		{[]string{"train", "-out", filepath.Join(dir, "none"), "-resume"}, 1, "no checkpoint"},
		{[]string{"train", "-algo", "protonet", "-way", "5000", "-assets", testAssets, "-out", filepath.Join(dir, "big")}, 2, "5000"},
	} {
		code, _, stderr := runCLI(tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.msg) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d mentioning %q", tc.args, code, stderr, tc.code, tc.msg)
		}
		if tc.code != 0 && tc.msg != "bogus" && strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("%v: error message is not one line: %q", tc.args, stderr)
		}
	}
}

// TestTrainWritesRun trains a few episodes and checks every output: the
// checkpoint, the model, the metrics lines, the chart.
func TestTrainWritesRun(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCLI(tinyTrain(out, "-episodes", "6", "-checkpoint-every", "4", "-val-every", "3", "-val-episodes", "2")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "trained protonet for 6 episodes") {
		t.Errorf("stdout %q", stdout)
	}
	ms, err := readMetrics(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 6 {
		t.Fatalf("%d metric lines, want 6", len(ms))
	}
	for i, m := range ms {
		if m.Episode != i+1 || m.LR != 1e-3 || m.Loss <= 0 {
			t.Errorf("metric %d: %+v", i, m)
		}
		if (m.ValAcc > 0) != (m.Episode%3 == 0) {
			t.Errorf("metric %d: validation accuracy %v at episode %d (want one every 3)", i, m.ValAcc, m.Episode)
		}
		if m.ValAccBefore != 0 {
			t.Errorf("metric %d: ProtoNet has an accuracy before adaptation (%v)", i, m.ValAccBefore)
		}
	}
	_, meta, err := checkpoint.Read(filepath.Join(out, checkpointFile))
	if err != nil {
		t.Fatal(err)
	}
	if meta["episodes"] != "6" || meta["metaglot"] != modelfile.KindCheckpoint {
		t.Errorf("checkpoint metadata %v", meta)
	}
	params, _, m, err := loadModel(filepath.Join(out, modelFile))
	if err != nil {
		t.Fatal(err)
	}
	if m.Kind != modelfile.KindModel || m.Episodes != 6 || params.Has("optim.adam.step") {
		t.Errorf("model: kind %s, %d episodes", m.Kind, m.Episodes)
	}
	if st, err := os.Stat(filepath.Join(out, chartFile)); err != nil || st.Size() < 1000 {
		t.Errorf("chart: %v", err)
	}
	// A second run into the same directory must not clobber it.
	code, _, stderr = runCLI(tinyTrain(out, "-episodes", "6")...)
	if code != 2 || !strings.Contains(stderr, "already holds a run") {
		t.Errorf("second run: exit %d, %q", code, stderr)
	}
	// -resume with a contradicting flag is a usage error naming it.
	code, _, stderr = runCLI("train", "-out", out, "-resume", "-way", "7", "-assets", testAssets)
	if code != 2 || !strings.Contains(stderr, "-way") {
		t.Errorf("resume with -way: exit %d, %q", code, stderr)
	}
	// -resume cannot go back: the run is at episode 6.
	code, _, stderr = runCLI("train", "-out", out, "-resume", "-episodes", "4", "-assets", testAssets)
	if code != 2 || !strings.Contains(stderr, "already at episode 6") {
		t.Errorf("resume with -episodes 4: exit %d, %q", code, stderr)
	}
}

// TestCorruptCheckpoint: a truncated or altered checkpoint gives a one-line
// error naming it, and nothing is trained.
func TestCorruptCheckpoint(t *testing.T) {
	out := t.TempDir()
	if code, _, stderr := runCLI(tinyTrain(out, "-episodes", "2", "-checkpoint-every", "1")...); code != 0 {
		t.Fatal(stderr)
	}
	path := filepath.Join(out, checkpointFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string][]byte{
		"truncated": b[:len(b)-100],
		"header":    append([]byte{0xff, 0xff, 0xff, 0xff}, b[4:]...),
		"empty":     nil,
	} {
		if err := os.WriteFile(path, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		code, _, stderr := runCLI("train", "-out", out, "-resume", "-episodes", "4", "-assets", testAssets, "-progress=false")
		if code != 1 || !strings.Contains(stderr, path) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("%s checkpoint: exit %d, stderr %q", name, code, stderr)
		}
	}
}

// TestTrainStopsOnNaN: a learning rate that blows the weights up stops
// training with an error at the episode where the loss or a gradient stops
// being finite, keeping the last checkpoint.
func TestTrainStopsOnNaN(t *testing.T) {
	out := t.TempDir()
	code, _, stderr := runCLI(tinyTrain(out, "-lr", "1e30", "-episodes", "50", "-checkpoint-every", "1")...)
	if code != 1 || !strings.Contains(stderr, "NaN") && !strings.Contains(stderr, "Inf") {
		t.Fatalf("exit %d, stderr %q; want exit 1 naming the NaN or Inf", code, stderr)
	}
	if !strings.Contains(stderr, "is intact") {
		t.Errorf("stderr %q does not say the checkpoint is intact", stderr)
	}
	if _, _, _, err := loadModel(filepath.Join(out, checkpointFile)); err != nil {
		t.Errorf("checkpoint after divergence: %v", err)
	}
}

// TestMismatchedModel: a model file whose tensors do not fit the
// architecture its metadata names is refused with the file and the
// tensor named.
func TestMismatchedModel(t *testing.T) {
	out := t.TempDir()
	if code, _, stderr := runCLI(tinyTrain(out, "-episodes", "1")...); code != 0 {
		t.Fatal(stderr)
	}
	params, _, m, err := loadModel(filepath.Join(out, modelFile))
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(out, "bad.safetensors")
	// A FOMAML model needs a head, which these parameters lack.
	m.Config.Algo, m.Config.InnerSteps, m.Config.AdaptSteps, m.Config.InnerLR = "fomaml", 1, 1, 0.4
	if err := checkpoint.Write(bad, params, m.encode()); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI("eval", "-model", bad, "-assets", testAssets, "-episodes", "1")
	if code != 1 || !strings.Contains(stderr, bad) || !strings.Contains(stderr, "head.weight") {
		t.Errorf("exit %d, stderr %q; want exit 1 naming the file and the missing head", code, stderr)
	}
}

// buildBinary compiles metaglot into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "metaglot")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// checkpointEpisodes returns the episode count of the checkpoint in dir,
// or -1 if there is none yet.
func checkpointEpisodes(t *testing.T, dir string) int {
	_, meta, err := checkpoint.Read(filepath.Join(dir, checkpointFile))
	if err != nil {
		return -1
	}
	var m runMeta
	if m, err = decodeMeta(dir, meta); err != nil {
		t.Fatal(err)
	}
	return m.Episodes
}

// startUntilCheckpoint starts a long training run of the binary and waits
// until its checkpoint reaches at least min episodes.
func startUntilCheckpoint(t *testing.T, bin, out string, min int) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, tinyTrain(out, "-episodes", "100000", "-checkpoint-every", "2")...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for checkpointEpisodes(t, out) < min {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no checkpoint of %d episodes after 2 minutes; stderr: %s", min, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return cmd
}

// TestKillResume kills a training run with SIGKILL and resumes it: the
// episode count continues from the last checkpoint, the metrics file is cut
// back to it, and the resumed run ends with exactly the parameters of a run
// that was never interrupted.
func TestKillResume(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	out := t.TempDir()
	cmd := startUntilCheckpoint(t, bin, out, 4)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	at := checkpointEpisodes(t, out)
	end := at + 4
	// The same thread count as the original: how the convolutions split
	// their sums changes the last bits of the results.
	code, _, stderr := runCLI("train", "-out", out, "-resume", "-episodes", itoa(end), "-assets", testAssets, "-progress=false", "-threads", "1")
	if code != 0 {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "resuming protonet") || !strings.Contains(stderr, "at episode "+itoa(at)) {
		t.Errorf("resume stderr %q", stderr)
	}
	if got := checkpointEpisodes(t, out); got != end {
		t.Errorf("checkpoint at %d episodes after resuming to %d", got, end)
	}
	ms, err := readMetrics(out)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range ms {
		if m.Episode != i+1 {
			t.Fatalf("metrics line %d is episode %d: the log was not cut back to the checkpoint", i, m.Episode)
		}
	}
	if len(ms) != end {
		t.Errorf("%d metric lines, want %d", len(ms), end)
	}

	// The same run without interruption.
	ref := t.TempDir()
	if code, _, stderr := runCLI(tinyTrain(ref, "-episodes", itoa(end), "-checkpoint-every", "2")...); code != 0 {
		t.Fatal(stderr)
	}
	got := modelIn(t, out)
	want := modelIn(t, ref)
	if d := firstDiff(got, want); d != "" {
		t.Fatalf("after kill and resume against uninterrupted: %s", d)
	}
}

// TestInterruptSaves: SIGINT (Ctrl-C) makes training save a checkpoint at
// the episode it reached and exit cleanly.
func TestInterruptSaves(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	out := t.TempDir()
	cmd := startUntilCheckpoint(t, bin, out, 2)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("interrupted run: %v", err)
	}
	ms, err := readMetrics(out)
	if err != nil {
		t.Fatal(err)
	}
	if at := checkpointEpisodes(t, out); at != len(ms) || at < 2 {
		t.Errorf("checkpoint at episode %d, metrics up to %d", at, len(ms))
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// tinyProtoNetModel trains a 2-episode ProtoNet in dir and returns its
// model file and parameters: a model for -init to start from.
func tinyProtoNetModel(t *testing.T, dir string) (string, *tensor.Set) {
	t.Helper()
	src := filepath.Join(dir, "proto")
	if code, _, stderr := runCLI(tinyTrain(src, "-episodes", "2")...); code != 0 {
		t.Fatal(stderr)
	}
	path := filepath.Join(src, modelFile)
	params, _, _, err := loadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, params
}

// TestTrainInit: -init starts a run from a model's Conv4 weights (a head
// starts fresh), records where they came from, and refuses a missing file
// and -resume.
func TestTrainInit(t *testing.T) {
	dir := t.TempDir()
	srcModel, want := tinyProtoNetModel(t, dir)

	params := learner.NewHeadNetParams(rand.New(rand.NewPCG(3, 4)), 5)
	head := params.Get(learner.HeadName + ".weight").Clone()
	prov, err := initConv4(params, srcModel, "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(prov, "protonet, 2 episodes") {
		t.Errorf("provenance %q does not name the source model's algorithm and episodes", prov)
	}
	for i := range want.Len() {
		name, w := want.At(i)
		if !slices.Equal(params.Get(name).Data, w.Data) {
			t.Errorf("%s was not copied from the model", name)
		}
	}
	if !slices.Equal(params.Get(learner.HeadName+".weight").Data, head.Data) {
		t.Error("the head changed; it should start fresh")
	}

	out := filepath.Join(dir, "fomaml")
	args := []string{"train", "-algo", "fomaml", "-proto-head", "-init", srcModel, "-way", "5", "-shot", "1", "-query", "1",
		"-meta-batch", "1", "-episodes", "1", "-assets", testAssets, "-threads", "1", "-progress=false", "-out", out}
	if code, _, stderr := runCLI(args...); code != 0 {
		t.Fatal(stderr)
	}
	_, _, m, err := loadModel(filepath.Join(out, modelFile))
	if err != nil {
		t.Fatal(err)
	}
	if m.Config.Init != prov {
		t.Errorf("model records init %q, want %q", m.Config.Init, prov)
	}

	missing := filepath.Join(dir, "none.safetensors")
	if code, _, stderr := runCLI("train", "-algo", "fomaml", "-init", missing, "-assets", testAssets, "-out", filepath.Join(dir, "x")); code != 1 || !strings.Contains(stderr, missing) {
		t.Errorf("missing -init file: exit %d, stderr %q; want exit 1 naming it", code, stderr)
	}
	if code, _, stderr := runCLI("train", "-out", out, "-resume", "-init", srcModel, "-assets", testAssets); code != 2 || !strings.Contains(stderr, "-init") {
		t.Errorf("-init with -resume: exit %d, stderr %q; want exit 2 naming -init", code, stderr)
	}
}

// TestTrainBN: -bn running trains FOMAML under the running statistics of
// the -init model, records the choice in the model, and keeps those
// statistics; eval reads it back and -bn overrides it; impossible uses are
// usage errors.
func TestTrainBN(t *testing.T) {
	dir := t.TempDir()
	srcModel, want := tinyProtoNetModel(t, dir)
	out := filepath.Join(dir, "fomaml")
	args := []string{"train", "-algo", "fomaml", "-proto-head", "-bn", "running", "-init", srcModel, "-way", "3", "-shot", "1", "-query", "1",
		"-meta-batch", "2", "-episodes", "4", "-checkpoint-every", "2", "-assets", testAssets, "-threads", "1", "-progress=false", "-out", out}
	if code, _, stderr := runCLI(args...); code != 0 {
		t.Fatal(stderr)
	}
	got, _, m, err := loadModel(filepath.Join(out, modelFile))
	if err != nil {
		t.Fatal(err)
	}
	if m.Config.BN != "running" {
		t.Errorf("model records bn %q, want running", m.Config.BN)
	}
	moved := false
	for i := range want.Len() {
		name, w := want.At(i)
		same := slices.Equal(got.Get(name).Data, w.Data)
		if nn.IsBuffer(name) && !same {
			t.Errorf("%s changed in training with -bn running", name)
		}
		moved = moved || (!nn.IsBuffer(name) && !same)
	}
	if !moved {
		t.Error("no weight changed in training")
	}
	for _, bn := range []string{"", "support"} {
		evalArgs := []string{"eval", "-model", filepath.Join(out, modelFile), "-way", "3", "-shot", "1", "-query", "1", "-episodes", "2", "-json", "-assets", testAssets, "-threads", "1"}
		if bn != "" {
			evalArgs = append(evalArgs, "-bn", bn)
		}
		if code, stdout, stderr := runCLI(evalArgs...); code != 0 || !strings.Contains(stdout, `"accuracy"`) {
			t.Errorf("eval -bn %q: exit %d: %s %s", bn, code, stdout, stderr)
		}
	}

	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"train", "-algo", "fomaml", "-proto-head", "-bn", "running", "-assets", testAssets, "-out", filepath.Join(dir, "a")}, "-init"},
		{[]string{"train", "-algo", "fomaml", "-bn", "batch", "-assets", testAssets, "-out", filepath.Join(dir, "b")}, "-bn \"batch\""},
		{[]string{"train", "-algo", "protonet", "-bn", "running", "-assets", testAssets, "-out", filepath.Join(dir, "c")}, "-bn"},
		{[]string{"train", "-out", out, "-resume", "-bn", "support", "-episodes", "6", "-assets", testAssets}, "-bn"},
		{[]string{"eval", "-model", filepath.Join(out, modelFile), "-bn", "batch", "-assets", testAssets}, "-bn \"batch\""},
		{[]string{"eval", "-model", srcModel, "-bn", "running", "-assets", testAssets}, "-bn"},
	} {
		if code, _, stderr := runCLI(tc.args...); code != 2 || !strings.Contains(stderr, tc.msg) {
			t.Errorf("%q: exit %d, stderr %q; want exit 2 naming %s", tc.args, code, stderr, tc.msg)
		}
	}
}

// TestResumeRemovesTemps: the temporary files that a writer killed with
// SIGKILL leaves in a run directory (os.CreateTemp's ".NAME.tmpDIGITS"
// beside the checkpoint, the model, the chart and the metrics) are removed
// when the run resumes, and when a new run starts in a directory that only
// holds such leftovers; files that merely look alike are kept.
func TestResumeRemovesTemps(t *testing.T) {
	stale := []string{".checkpoint.safetensors.tmp2913405867", ".model.safetensors.tmp17", ".curves.png.tmp4", ".metrics.jsonl.tmp99"}
	keep := []string{"notes.txt", ".checkpoint.safetensors.tmpmine", ".curves.png.tmp4.bak", "x.model.safetensors.tmp5"}
	plant := func(dir string) {
		t.Helper()
		for _, n := range append(append([]string{}, stale...), keep...) {
			if err := os.WriteFile(filepath.Join(dir, n), []byte("partial"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	check := func(dir string) {
		t.Helper()
		for _, n := range stale {
			if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
				t.Errorf("%s is still in %s", n, dir)
			}
		}
		for _, n := range keep {
			if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
				t.Errorf("%s was removed from %s: %v", n, dir, err)
			}
		}
	}

	out := t.TempDir()
	if code, _, stderr := runCLI(tinyTrain(out, "-episodes", "2")...); code != 0 {
		t.Fatal(stderr)
	}
	plant(out)
	code, _, stderr := runCLI(tinyTrain(out, "-resume", "-episodes", "3")...)
	if code != 0 {
		t.Fatal(stderr)
	}
	if !strings.Contains(stderr, "removed 4 temporary files") {
		t.Errorf("stderr %q does not say the leftovers were removed", stderr)
	}
	check(out)

	fresh := t.TempDir()
	plant(fresh)
	if code, _, stderr := runCLI(tinyTrain(fresh, "-episodes", "1")...); code != 0 {
		t.Fatal(stderr)
	}
	check(fresh)
}

// TestResumeThreads: a checkpoint records its run's threads. Resumed
// without -threads, the run continues with them, bit-identical to an
// uninterrupted run; with another -threads it warns that the continuation
// will not be bit-identical; a checkpoint of an older metaglot (no record)
// still resumes and says the threads are unknown.
func TestResumeThreads(t *testing.T) {
	dir := t.TempDir()
	straight, split := filepath.Join(dir, "straight"), filepath.Join(dir, "split")
	if code, _, stderr := runCLI(tinyTrain(straight, "-threads", "3", "-episodes", "4", "-checkpoint-every", "2")...); code != 0 {
		t.Fatal(stderr)
	}
	if code, _, stderr := runCLI(tinyTrain(split, "-threads", "3", "-episodes", "2")...); code != 0 {
		t.Fatal(stderr)
	}
	_, _, m, err := loadModel(filepath.Join(split, checkpointFile))
	if err != nil || m.Threads != 3 {
		t.Fatalf("checkpoint records threads %d (%v), want 3", m.Threads, err)
	}
	// Resume without -threads (tinyTrain's -threads 1 left out).
	args := []string{"train", "-resume", "-episodes", "4", "-assets", testAssets, "-progress=false", "-out", split}
	code, _, stderr := runCLI(args...)
	if code != 0 {
		t.Fatal(stderr)
	}
	if !strings.Contains(stderr, "with 3 threads") || strings.Contains(stderr, "warning") {
		t.Errorf("resume without -threads: stderr %q, want it to continue with the run's 3 threads, no warning", stderr)
	}
	want := modelIn(t, straight)
	got := modelIn(t, split)
	for i := range want.Len() {
		name, w := want.At(i)
		if !slices.Equal(got.Get(name).Data, w.Data) {
			t.Errorf("%s differs from the uninterrupted run's", name)
		}
	}

	// Another -threads: a warning, and the run goes on.
	code, _, stderr = runCLI(append(args[:len(args):len(args)], "-episodes", "5", "-threads", "1")...)
	if code != 0 || !strings.Contains(stderr, "warning: -threads 1, but the run in "+split+" was trained with 3: the continuation will not be bit-identical") {
		t.Errorf("resume with -threads 1: exit %d, stderr %q; want a warning", code, stderr)
	}

	// An older checkpoint: no "threads" metadata.
	ckpt := filepath.Join(split, checkpointFile)
	s, meta, err := checkpoint.Read(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	if meta["threads"] != "1" {
		t.Errorf("checkpoint of the -threads 1 sitting records threads %q", meta["threads"])
	}
	delete(meta, "threads")
	if err := checkpoint.Write(ckpt, s, meta); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runCLI(append(args[:len(args):len(args)], "-episodes", "6")...)
	if code != 0 || !strings.Contains(stderr, "threads unknown") {
		t.Errorf("resume of a checkpoint without threads: exit %d, stderr %q; want it to resume and say threads unknown", code, stderr)
	}
}

// TestResumeOtherThreads: a Reptile or FOMAML run (meta-batch 2 or more)
// gives the same parameters for any threads, so it may go on with other
// threads than it started with, bit-identically and without a warning: a
// run of 1 thread continued with 2 ends as the same run continued with 1
// (which TestKillResume shows equal to an uninterrupted run). A ProtoNet
// run may not (TestResumeThreads).
func TestResumeOtherThreads(t *testing.T) {
	for _, name := range []string{"reptile", "fomaml"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			one, two := filepath.Join(dir, "one"), filepath.Join(dir, "two")
			code, _, stderr := runCLI("train", "-algo", name, "-way", "3", "-shot", "1", "-query", "1", "-meta-batch", "3", "-inner-steps", "2",
				"-val-every", "0", "-checkpoint-every", "2", "-assets", testAssets, "-threads", "1", "-progress=false", "-out", one, "-episodes", "6")
			if code != 0 {
				t.Fatal(stderr)
			}
			if err := os.CopyFS(two, os.DirFS(one)); err != nil {
				t.Fatal(err)
			}
			for _, run := range []struct{ dir, threads string }{{one, "1"}, {two, "2"}} {
				code, _, stderr := runCLI("train", "-out", run.dir, "-resume", "-episodes", "12", "-threads", run.threads, "-assets", testAssets, "-progress=false")
				if code != 0 {
					t.Fatal(stderr)
				}
				if !strings.Contains(stderr, "with "+run.threads+" threads") || strings.Contains(stderr, "warning") {
					t.Errorf("resume with -threads %s: stderr %q, want it to go on with %[1]s threads, no warning", run.threads, stderr)
				}
			}
			want := modelIn(t, one)
			got := modelIn(t, two)
			if d := firstDiff(got, want); d != "" {
				t.Fatalf("continued with 2 threads against with 1: %s", d)
			}
		})
	}
}

// TestTrainValidationBeforeAdaptation: a FOMAML run's validation lines
// carry the held-out accuracy before adaptation beside the adapted one;
// they differ, since a learned head starts where the inner loop has not
// yet fitted it.
func TestTrainValidationBeforeAdaptation(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	code, _, stderr := runCLI("train", "-algo", "fomaml", "-way", "5", "-shot", "1", "-query", "1", "-meta-batch", "2",
		"-episodes", "4", "-val-every", "2", "-val-episodes", "4", "-inner-lr", "0.4", "-adapt-steps", "5",
		"-assets", testAssets, "-threads", "1", "-progress=false", "-out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	ms, err := readMetrics(out)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range ms {
		if m.ValAcc == 0 {
			continue
		}
		n++
		if m.ValAccBefore <= 0 || m.ValAccBefore == m.ValAcc {
			t.Errorf("episode %d: validation %v, before adaptation %v", m.Episode, m.ValAcc, m.ValAccBefore)
		}
		if m.ValAccTransductive <= 0 {
			t.Errorf("episode %d: no transductive validation accuracy (val_acc_transductive %v)", m.Episode, m.ValAccTransductive)
		}
	}
	if n != 2 {
		t.Errorf("%d validation lines, want 2", n)
	}
}

// The run's files are written atomically as the checkpoint is, and
// readable by others like it: metrics.jsonl rewritten on resume and
// curves.png were left 0600 by a temporary file's mode before they were
// written through checkpoint.WriteFile.
func TestRunFilesReadable(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	if code, _, stderr := runCLI(tinyTrain(out, "-episodes", "2", "-checkpoint-every", "1")...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if code, _, stderr := runCLI("train", "-out", out, "-resume", "-episodes", "3", "-assets", testAssets, "-progress=false"); code != 0 {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	for _, name := range []string{checkpointFile, modelFile, metricsFile, chartFile} {
		fi, err := os.Stat(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o644 {
			t.Errorf("%s has mode %v, want 0644", name, fi.Mode().Perm())
		}
	}
}

// TestTrainInitMANN: -init starts a MANN run from every weight of a MANN of
// the same shape (the way a finished run continues with a lower -lr), records
// where they came from, and refuses a model of another algorithm in one
// line; a MANN of another label code gives all but its code's weights, and
// the run says so (mann.Transfer, TestTransfer).
func TestTrainInitMANN(t *testing.T) {
	dir := t.TempDir()
	mannArgs := func(out string, extra ...string) []string {
		args := []string{"train", "-algo", "mann", "-way", "5", "-shot", "1", "-query", "1", "-meta-batch", "1",
			"-episodes", "1", "-assets", testAssets, "-threads", "1", "-progress=false", "-out", out}
		return append(args, extra...)
	}
	src := filepath.Join(dir, "src")
	if code, _, stderr := runCLI(mannArgs(src, "-seed", "7")...); code != 0 {
		t.Fatal(stderr)
	}
	srcModel := filepath.Join(src, modelFile)
	want, _, _, err := loadModel(srcModel)
	if err != nil {
		t.Fatal(err)
	}

	// A fresh MANN of another seed differs in every tensor; -init makes
	// each the source's.
	fresh := filepath.Join(dir, "fresh")
	if code, _, stderr := runCLI(mannArgs(fresh, "-seed", "8", "-lr", "1e-30")...); code != 0 {
		t.Fatal(stderr)
	}
	params := modelIn(t, fresh)
	prov, note, err := initParams(params, srcModel, modelfile.Config{Algo: "mann"})
	if err != nil || note != "" {
		t.Fatal(err)
	}
	if !strings.Contains(prov, "mann, 1 episodes") {
		t.Errorf("provenance %q does not name the source model's algorithm and episodes", prov)
	}
	for i := range want.Len() {
		name, w := want.At(i)
		if !slices.Equal(params.Get(name).Data, w.Data) {
			t.Errorf("%s was not copied from the model", name)
		}
	}

	out := filepath.Join(dir, "cont")
	if code, _, stderr := runCLI(mannArgs(out, "-seed", "8", "-lr", "1e-30", "-init", srcModel)...); code != 0 {
		t.Fatal(stderr)
	}
	got, _, m, err := loadModel(filepath.Join(out, modelFile))
	if err != nil {
		t.Fatal(err)
	}
	if m.Config.Init != prov {
		t.Errorf("model records init %q, want %q", m.Config.Init, prov)
	}
	// An lr of 1e-30 leaves the weights where they started: the source's.
	if w, g := want.Get("controller.weight_hh").Data, got.Get("controller.weight_hh").Data; !slices.Equal(w, g) {
		t.Error("the run from -init did not start from the source's controller weights")
	}

	proto, _ := tinyProtoNetModel(t, dir)
	for _, tc := range []struct {
		args []string
		msg  []string
	}{
		{mannArgs(filepath.Join(dir, "p"), "-init", proto), []string{proto, "protonet model", "mann model"}},
	} {
		code, _, stderr := runCLI(tc.args...)
		if code != 2 || strings.Count(strings.TrimSpace(stderr), "\n") > 1 {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and one line", tc.args[len(tc.args)-4:], code, stderr)
		}
		for _, s := range tc.msg {
			if !strings.Contains(stderr, s) {
				t.Errorf("%v: stderr %q does not say %q", tc.args[len(tc.args)-4:], stderr, s)
			}
		}
	}

	// Another label code (or number of one-hot classes): all but the code.
	for _, extra := range [][]string{{"-labels", "string"}, {"-way", "3"}} {
		out := filepath.Join(dir, "code"+extra[1])
		code, _, stderr := runCLI(mannArgs(out, append(extra, "-lr", "1e-30", "-init", srcModel)...)...)
		if code != 0 || !strings.Contains(stderr, "note: -init "+srcModel) || !strings.Contains(stderr, "the label columns of controller.weight_ih, out.weight, out.bias stay the run's own") {
			t.Errorf("%v -init: exit %d, stderr %q; want a run and a note of what stays the run's own", extra, code, stderr)
			continue
		}
		got := modelIn(t, out)
		if !slices.Equal(want.Get("controller.weight_hh").Data, got.Get("controller.weight_hh").Data) {
			t.Errorf("%v -init: the controller's recurrent weights are not the source's", extra)
		}
	}
}

// TestTrainInitHead: -init takes a FOMAML's learned head with its Conv4
// when the run's head has the same shape (the run goes on from the whole
// model), and leaves the run's fresh head when it has another number of
// classes.
func TestTrainInitHead(t *testing.T) {
	dir := t.TempDir()
	fo := func(out string, extra ...string) []string {
		args := []string{"train", "-algo", "fomaml", "-shot", "1", "-query", "1", "-meta-batch", "1", "-inner-steps", "1",
			"-episodes", "1", "-assets", testAssets, "-threads", "1", "-progress=false", "-out", out}
		return append(args, extra...)
	}
	src := filepath.Join(dir, "src")
	if code, _, stderr := runCLI(fo(src, "-way", "5", "-seed", "3")...); code != 0 {
		t.Fatal(stderr)
	}
	srcModel := filepath.Join(src, modelFile)
	want, _, _, err := loadModel(srcModel)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		way      int
		sameHead bool
	}{{5, true}, {3, false}} {
		params := learner.NewHeadNetParams(rand.New(rand.NewPCG(8, 9)), tc.way)
		fresh := params.Get(learner.HeadName + ".weight").Clone()
		if _, _, err := initParams(params, srcModel, modelfile.Config{Algo: "fomaml"}); err != nil {
			t.Fatal(err)
		}
		got := params.Get(learner.HeadName + ".weight").Data
		switch {
		case tc.sameHead && !slices.Equal(got, want.Get(learner.HeadName+".weight").Data):
			t.Errorf("%d-way run from a 5-way model: the head was not copied", tc.way)
		case !tc.sameHead && !slices.Equal(got, fresh.Data):
			t.Errorf("%d-way run from a 5-way model: the head changed; it should start fresh", tc.way)
		}
		if !slices.Equal(params.Get("encoder.0.0.weight").Data, want.Get("encoder.0.0.weight").Data) {
			t.Errorf("%d-way run: the first convolution was not copied", tc.way)
		}
	}
}

// -resume-from continues, in a new directory, the run that saved a model
// file, exactly as -resume continues it from its checkpoint: for Reptile,
// whose outer update keeps no optimizer state, the model is the run's whole
// state. A model of a learner with optimizer state (ProtoNet's Adam) is
// refused, its checkpoint taken, and -resume-from into a directory that
// holds a run refused.
func TestResumeFrom(t *testing.T) {
	reptileRun := func(out string, extra ...string) []string {
		args := []string{"train", "-algo", "reptile", "-way", "3", "-shot", "1", "-query", "1", "-meta-batch", "2", "-inner-steps", "2",
			"-val-every", "0", "-checkpoint-every", "2", "-assets", testAssets, "-threads", "1", "-progress=false", "-out", out}
		return append(args, extra...)
	}
	half := t.TempDir()
	if code, _, stderr := runCLI(reptileRun(half, "-episodes", "4")...); code != 0 {
		t.Fatal(stderr)
	}
	// The run continued from its checkpoint, in a copy of its directory.
	resumed := t.TempDir()
	for _, f := range []string{checkpointFile, modelFile, metricsFile} {
		b, err := os.ReadFile(filepath.Join(half, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(resumed, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if code, _, stderr := runCLI("train", "-out", resumed, "-resume", "-episodes", "8", "-assets", testAssets, "-progress=false", "-threads", "1"); code != 0 {
		t.Fatalf("resume: %s", stderr)
	}
	// The same run continued from its model file alone.
	from := filepath.Join(t.TempDir(), "run")
	code, _, stderr := runCLI("train", "-resume-from", filepath.Join(half, modelFile), "-out", from, "-episodes", "8", "-assets", testAssets, "-progress=false", "-threads", "1")
	if code != 0 || !strings.Contains(stderr, "at episode 4 of 8") {
		t.Fatalf("-resume-from: exit %d: %s", code, stderr)
	}
	want := modelIn(t, resumed)
	got, _, m, err := loadModel(filepath.Join(from, modelFile))
	if err != nil {
		t.Fatal(err)
	}
	if m.Episodes != 8 {
		t.Errorf("-resume-from run ended at episode %d, want 8", m.Episodes)
	}
	if d := firstDiff(got, want); d != "" {
		t.Fatalf("continued from the model against from the checkpoint: %s", d)
	}
	if code, _, stderr := runCLI("train", "-resume-from", filepath.Join(half, modelFile), "-out", from, "-assets", testAssets, "-progress=false"); code != 2 || !strings.Contains(stderr, "already holds a run") {
		t.Errorf("-resume-from into a run's directory: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runCLI("train", "-resume-from", filepath.Join(half, modelFile), "-resume", "-out", from); code != 2 || !strings.Contains(stderr, "leave out -resume") {
		t.Errorf("-resume-from with -resume: exit %d: %s", code, stderr)
	}
	adam := t.TempDir()
	if code, _, stderr := runCLI(tinyTrain(adam, "-episodes", "2", "-checkpoint-every", "1")...); code != 0 {
		t.Fatal(stderr)
	}
	code, _, stderr = runCLI("train", "-resume-from", filepath.Join(adam, modelFile), "-out", filepath.Join(t.TempDir(), "run"), "-assets", testAssets, "-progress=false")
	if code == 0 || !strings.Contains(stderr, "Adam's moments") {
		t.Errorf("-resume-from a ProtoNet model: exit %d: %s", code, stderr)
	}
	// A run's checkpoint holds its optimizer state: -resume-from it
	// continues any learner's run where it was saved, as -resume does in
	// the run's own directory (a run carried to another machine by its
	// checkpoint alone).
	adamFrom := filepath.Join(t.TempDir(), "run")
	if code, _, stderr := runCLI(tinyTrain(adamFrom, "-resume-from", filepath.Join(adam, checkpointFile), "-episodes", "4")...); code != 0 || !strings.Contains(stderr, "at episode 2 of 4") {
		t.Fatalf("-resume-from a ProtoNet checkpoint: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runCLI(tinyTrain(adam, "-resume", "-episodes", "4")...); code != 0 {
		t.Fatalf("-resume: %s", stderr)
	}
	if d := firstDiff(modelIn(t, adamFrom), modelIn(t, adam)); d != "" {
		t.Errorf("continued from the checkpoint file against in the run's directory: %s", d)
	}
}

// modelIn returns the parameters of the model file of the run in dir.
func modelIn(t *testing.T, dir string) *tensor.Set {
	t.Helper()
	p, _, _, err := loadModel(filepath.Join(dir, modelFile))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// firstDiff describes the first value where got differs from want (a
// tensor of want missing from got included), or returns "".
func firstDiff(got, want *tensor.Set) string {
	for i := range want.Len() {
		n, w := want.At(i)
		g := got.Get(n)
		if g == nil || len(g.Data) != len(w.Data) {
			return n + ": missing or of another size"
		}
		for j := range w.Data {
			if g.Data[j] != w.Data[j] {
				return fmt.Sprintf("%s[%d] = %v, want %v", n, j, g.Data[j], w.Data[j])
			}
		}
	}
	return ""
}
