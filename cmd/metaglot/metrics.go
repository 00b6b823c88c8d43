package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"metaglot/core/checkpoint"
)

// metricsFile is the name of the JSON-lines log a training run writes in
// its output directory.
const metricsFile = "metrics.jsonl"

// metric is one line of metrics.jsonl: the state after a training step, and
// after a validation pass when ValAcc is set.
type metric struct {
	Episode int     `json:"episode"`          // episodes trained so far
	Loss    float64 `json:"loss"`             // training loss of the step (mean over its episodes)
	Acc     float64 `json:"acc"`              // training query accuracy of the step
	LR      float64 `json:"lr"`               // outer learning rate (Reptile: step size ε) used by the step
	Seconds float64 `json:"seconds"`          // training wall time so far, over all sittings
	ValAcc  float64 `json:"val_acc,omitzero"` // held-out validation accuracy, when measured
	ValCI95 float64 `json:"val_ci95,omitzero"`
	// ValAccBefore is the held-out accuracy of the same episodes before
	// adaptation (fomaml, reptile: 0 inner steps), when measured.
	ValAccBefore float64 `json:"val_acc_before,omitzero"`
	// ValAccTransductive is the held-out accuracy of the same adapted
	// episodes with each episode's queries classified together, BatchNorm
	// normalising with their batch statistics (the MAML and Reptile
	// papers' protocol; fomaml, reptile with bn support or transductive),
	// when measured.
	ValAccTransductive float64 `json:"val_acc_transductive,omitzero"`
	// Best marks the validations whose model became the run's best so far,
	// written to model-best.safetensors (runs that keep one: validation on
	// alphabets held out of training).
	Best bool `json:"best,omitzero"`
}

// metricsLog appends metric lines to DIR/metrics.jsonl. Each line is
// written with one write call on a file opened with O_APPEND, so a run
// killed mid-write leaves at most one broken last line, which readMetrics
// skips and truncateMetrics removes.
type metricsLog struct {
	f *os.File
}

// openMetrics opens DIR/metrics.jsonl for appending, creating it if needed.
func openMetrics(dir string) (*metricsLog, error) {
	f, err := os.OpenFile(filepath.Join(dir, metricsFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	return &metricsLog{f: f}, nil
}

func (l *metricsLog) write(m metric) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if _, err := l.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("write %s: %w", l.f.Name(), err)
	}
	return nil
}

func (l *metricsLog) close() error { return l.f.Close() }

// readMetrics returns the metric lines of DIR/metrics.jsonl in order,
// skipping lines that do not parse (a line cut short by a kill). A missing
// file is no metrics.
func readMetrics(dir string) ([]metric, error) {
	b, err := os.ReadFile(filepath.Join(dir, metricsFile))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ms []metric
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m metric
		if json.Unmarshal(sc.Bytes(), &m) == nil {
			ms = append(ms, m)
		}
	}
	return ms, sc.Err()
}

// truncateMetrics rewrites DIR/metrics.jsonl to hold only the lines up to
// and including episode, so that a resumed run's curves continue from its
// checkpoint without the steps that were lost. The rewrite is atomic.
func truncateMetrics(dir string, episode int) error {
	ms, err := readMetrics(dir)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	for _, m := range ms {
		if m.Episode > episode {
			break
		}
		b, err := json.Marshal(m)
		if err != nil {
			return err
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	return checkpoint.WriteFile(filepath.Join(dir, metricsFile), buf.Bytes())
}
