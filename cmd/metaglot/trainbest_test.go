package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"metaglot/core/checkpoint"
	"metaglot/core/learner"
	"metaglot/core/train"
)

// scriptedRun is a training run whose held-out validations follow a
// script: after episode ep, every weight of the learner is ep, and
// val[ep], if present, is the validation measured then. It checkpoints
// every other episode.
type scriptedRun struct {
	l       learner.Learner
	ep, end int
	val     map[int]float64
}

func (r *scriptedRun) Finished() bool      { return r.ep >= r.end }
func (r *scriptedRun) Episode() int        { return r.ep }
func (r *scriptedRun) CheckpointDue() bool { return r.ep%2 == 0 || r.Finished() }
func (r *scriptedRun) Step() (train.Metric, error) {
	r.ep++
	p := r.l.Params()
	for i := range p.Len() {
		_, t := p.At(i)
		for j := range t.Data {
			t.Data[j] = float32(r.ep)
		}
	}
	m := train.Metric{Episode: r.ep, Loss: 1, Acc: 0.5, LR: 1e-3}
	if acc, ok := r.val[r.ep]; ok {
		m.Val = &train.Validation{Acc: acc, CI95: 0.01, Episodes: 4}
	}
	return m, nil
}

// bestRunArgs are the flags of a run that keeps its best model: Lake
// background with 5 alphabets held out for validation.
func bestRunArgs(out string, extra ...string) []string {
	args := []string{"-algo", "protonet", "-split", "lake", "-val-alphabets", "5", "-val-every", "2", "-val-episodes", "4",
		"-way", "5", "-shot", "1", "-query", "1", "-checkpoint-every", "2", "-assets", testAssets, "-threads", "1", "-progress=false", "-out", out}
	return append(args, extra...)
}

// sitting opens the run in out with the train flags args (a new run, or
// -resume) and trains it through the script val up to episode end. It
// returns what the session wrote to stderr.
func sitting(t *testing.T, args []string, end int, val map[int]float64) string {
	t.Helper()
	var stderr bytes.Buffer
	o, err := parseTrainFlags(args, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	s, err := o.session(&stderr)
	if err != nil {
		t.Fatalf("session: %v (stderr %q)", err, stderr.String())
	}
	defer s.close()
	if err := s.run(&scriptedRun{l: s.l, ep: s.start, end: end, val: val}, false, io.Discard, &stderr); err != nil {
		t.Fatal(err)
	}
	return stderr.String()
}

// bestOf returns the episode and accuracy the best model in dir records,
// checking that its weights are those of that episode's model (every
// weight of a scripted run's model after episode ep is ep).
func bestOf(t *testing.T, dir string) (int, float64) {
	t.Helper()
	path := filepath.Join(dir, bestModelFile)
	params, _, m, err := loadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	_, meta, err := checkpoint.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	b, ok, err := train.DecodeBest(meta)
	if err != nil || !ok {
		t.Fatalf("%s: not a best model (%v)", path, err)
	}
	if b.Episode != m.Episodes {
		t.Errorf("best episode %d, model metadata episodes %d", b.Episode, m.Episodes)
	}
	_, w := params.At(0)
	if w.Data[0] != float32(b.Episode) {
		t.Errorf("%s records episode %d but holds the weights of episode %v", path, b.Episode, w.Data[0])
	}
	return b.Episode, b.Val.Acc
}

// bestLines returns the episodes whose metrics line is marked best.
func bestLines(t *testing.T, dir string) []int {
	t.Helper()
	ms, err := readMetrics(dir)
	if err != nil {
		t.Fatal(err)
	}
	var eps []int
	for _, m := range ms {
		if m.Best {
			eps = append(eps, m.Episode)
		}
	}
	return eps
}

// TestBestModelPeakThenDrop: validation rises to a peak and drops; the
// run keeps the peak's model in model-best.safetensors (the latest stays
// in model.safetensors), resuming keeps it against lower validations
// and replaces it only with a better one.
func TestBestModelPeakThenDrop(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	sitting(t, bestRunArgs(out, "-episodes", "8"), 8, map[int]float64{2: 0.50, 4: 0.70, 6: 0.60, 8: 0.65})
	if ep, acc := bestOf(t, out); ep != 4 || acc != 0.70 {
		t.Errorf("best model: episode %d at %v, want the peak, episode 4 at 0.70", ep, acc)
	}
	if _, _, m, err := loadModel(filepath.Join(out, modelFile)); err != nil || m.Episodes != 8 {
		t.Errorf("model.safetensors: episode %d (%v), want the latest, 8", m.Episodes, err)
	}
	if got := bestLines(t, out); len(got) != 2 || got[0] != 2 || got[1] != 4 {
		t.Errorf("metrics lines marked best: %v, want [2 4]", got)
	}

	// Resumed, the best so far is restored: 0.68 does not replace it.
	resume := []string{"-out", out, "-resume", "-episodes", "12", "-assets", testAssets, "-progress=false"}
	sitting(t, resume, 10, map[int]float64{10: 0.68})
	if ep, _ := bestOf(t, out); ep != 4 {
		t.Errorf("after resuming: best model of episode %d, want 4 (0.70 beats the 0.68 of episode 10)", ep)
	}
	// A better validation replaces it.
	sitting(t, resume, 12, map[int]float64{12: 0.75})
	if ep, acc := bestOf(t, out); ep != 12 || acc != 0.75 {
		t.Errorf("best model: episode %d at %v, want episode 12 at 0.75", ep, acc)
	}
	if got := bestLines(t, out); len(got) != 3 || got[2] != 12 {
		t.Errorf("metrics lines marked best: %v, want [2 4 12]", got)
	}

	// A new run into the directory refuses to clobber the best model.
	if err := os.Remove(filepath.Join(out, checkpointFile)); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(append([]string{"train"}, bestRunArgs(out, "-episodes", "2")...)...)
	if code != 2 || !strings.Contains(stderr, bestModelFile) {
		t.Errorf("new run over a best model: exit %d, %q", code, stderr)
	}
}

// TestBestModelOlderRun: a run started before metaglot kept best models
// has validations in metrics.jsonl but no model-best.safetensors. Resumed,
// its best so far comes from metrics.jsonl (said on stderr), and the file
// comes only with a model that beats it.
func TestBestModelOlderRun(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	sitting(t, bestRunArgs(out, "-episodes", "4"), 4, map[int]float64{2: 0.50, 4: 0.70})
	if err := os.Remove(filepath.Join(out, bestModelFile)); err != nil {
		t.Fatal(err)
	}
	resume := []string{"-out", out, "-resume", "-episodes", "8", "-assets", testAssets, "-progress=false"}
	stderr := sitting(t, resume, 6, map[int]float64{6: 0.65})
	if !strings.Contains(stderr, "70.0 % at episode 4") {
		t.Errorf("stderr %q does not say the best so far", stderr)
	}
	if _, err := os.Stat(filepath.Join(out, bestModelFile)); !os.IsNotExist(err) {
		t.Errorf("a model worse than the run's best so far was kept (%v)", err)
	}
	sitting(t, resume, 8, map[int]float64{8: 0.72})
	if ep, acc := bestOf(t, out); ep != 8 || acc != 0.72 {
		t.Errorf("best model: episode %d at %v, want episode 8 at 0.72", ep, acc)
	}
}

// TestBestModelOfAnotherRun: resuming beside a best model that is not
// the run's (another run's settings, or a worse accuracy than the run's
// own curve has) is a one-line error naming the file.
func TestBestModelOfAnotherRun(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	sitting(t, bestRunArgs(a, "-episodes", "4"), 4, map[int]float64{2: 0.5, 4: 0.9})
	sitting(t, bestRunArgs(b, "-episodes", "4", "-lr", "0.01"), 4, map[int]float64{2: 0.6, 4: 0.7})
	resume := func(out, msg string) {
		t.Helper()
		code, _, stderr := runCLI("train", "-out", out, "-resume", "-episodes", "6", "-assets", testAssets, "-progress=false")
		if code == 0 || !strings.Contains(stderr, bestModelFile) || !strings.Contains(stderr, msg) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("resume %s: exit %d, %q; want one line naming %s and %q", out, code, stderr, bestModelFile, msg)
		}
	}
	// a's best model in b.
	data, err := os.ReadFile(filepath.Join(a, bestModelFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(b, bestModelFile), data, 0o644); err != nil {
		t.Fatal(err)
	}
	resume(b, "another run (-lr 0.01)")
	// A best model of a's settings recording 0.7 at episode 2, where a's
	// metrics have 0.9 at episode 4.
	path := filepath.Join(a, bestModelFile)
	params, _, m, err := loadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	m.Episodes = 2
	worse := train.Best{Episode: 2, Val: train.Validation{Acc: 0.7, CI95: 0.01, Episodes: 4}}
	if err := checkpoint.Write(path, params, worse.Encode(m.encode())); err != nil {
		t.Fatal(err)
	}
	resume(a, "not this run's best")
}

// TestTrainKeepsBestModel trains a real run that validates on held-out
// background alphabets: its model-best.safetensors is the model of the
// first maximum of the validation curve in metrics.jsonl, and measuring
// it again on the run's validation episodes gives the accuracy it
// records. A run that validates on its test split keeps no best model.
func TestTrainKeepsBestModel(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "lake")
	code, stdout, stderr := runCLI(append([]string{"train"}, bestRunArgs(out, "-episodes", "10", "-lr", "0.01")...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, bestModelFile) {
		t.Errorf("stdout %q does not name the best model", stdout)
	}
	ms, err := readMetrics(out)
	if err != nil {
		t.Fatal(err)
	}
	want := train.Best{}
	for _, m := range ms {
		if m.ValAcc > 0 {
			want.Offer(m.Episode, train.Validation{Acc: m.ValAcc})
		}
	}
	path := filepath.Join(out, bestModelFile)
	_, meta, err := checkpoint.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err := train.DecodeBest(meta)
	if err != nil || !ok || got.Episode != want.Episode || got.Val.Acc != want.Val.Acc {
		t.Fatalf("best model %+v (%v); metrics.jsonl's best: episode %d at %v", got, err, want.Episode, want.Val.Acc)
	}
	// The weights are the ones measured.
	params, _, m, err := loadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	l, err := newLearner(m.Config, params, nil)
	if err != nil {
		t.Fatal(err)
	}
	data, err := trainData(testAssets, m.Config)
	if err != nil {
		t.Fatal(err)
	}
	r, err := train.New(m.Config.Config, l, data, m.Episodes)
	if err != nil {
		t.Fatal(err)
	}
	v, err := r.Validate()
	if err != nil || v.Acc != got.Val.Acc {
		t.Errorf("the best model measures %v again (%v), records %v", v.Acc, err, got.Val.Acc)
	}

	plain := filepath.Join(dir, "vinyals")
	if code, _, stderr := runCLI(tinyTrain(plain, "-episodes", "4", "-val-every", "2", "-val-episodes", "2")...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(plain, bestModelFile)); !os.IsNotExist(err) {
		t.Errorf("a run validating on its test classes kept a best model (%v)", err)
	}
}

// TestBestModelNewerThanCheckpoint: a run killed after writing a best
// model and before its next checkpoint resumes from the older checkpoint
// with that best model kept (a later, lower validation does not replace
// it), though metrics.jsonl is cut back to the checkpoint.
func TestBestModelNewerThanCheckpoint(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	sitting(t, bestRunArgs(out, "-episodes", "8"), 4, map[int]float64{2: 0.5, 4: 0.6})
	ckpt, err := os.ReadFile(filepath.Join(out, checkpointFile))
	if err != nil {
		t.Fatal(err)
	}
	resume := []string{"-out", out, "-resume", "-assets", testAssets, "-progress=false"}
	sitting(t, resume, 6, map[int]float64{5: 0.9})
	// The kill: the checkpoint of episode 6 never happened.
	if err := os.WriteFile(filepath.Join(out, checkpointFile), ckpt, 0o644); err != nil {
		t.Fatal(err)
	}
	sitting(t, resume, 8, map[int]float64{6: 0.85, 8: 0.8})
	if ep, acc := bestOf(t, out); ep != 5 || acc != 0.9 {
		t.Errorf("best model: episode %d at %v, want the one of episode 5 at 0.9", ep, acc)
	}
	if got := bestLines(t, out); len(got) != 2 || got[1] != 4 {
		t.Errorf("metrics lines marked best: %v, want [2 4] (episode 5's line went with the lost stretch)", got)
	}
}
