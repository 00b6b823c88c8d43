package main

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"slices"
	"time"

	"metaglot/core/gemm"
	"metaglot/core/workload"
)

func benchCommand() command {
	return command{
		name:    "bench",
		summary: "time the two benchmark workloads (A: embed 100 images, B: one ProtoNet training step)",
		run:     runBench,
	}
}

// benchResult is one line of `metaglot bench -json`.
type benchResult struct {
	Workload   string  `json:"workload"`
	Threads    int     `json:"threads"`
	MS         float64 `json:"ms"`
	ImagesPerS float64 `json:"images_per_s"`
	// CPUMS is the process's CPU time per call (all threads), when the
	// platform reports it: on a busy machine it shows what the wall-clock
	// median cannot.
	CPUMS        float64 `json:"cpu_ms,omitempty"`
	N            int     `json:"n"`
	GOARCH       string  `json:"goarch"`
	Kernel       string  `json:"kernel"`
	GoVersion    string  `json:"go"`
	ImagesPerRun int     `json:"images"`
}

func runBench(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", "[-workload A|B|all] [-threads N] [-n CALLS] [-json]", stderr)
	which := fs.String("workload", "all", "workload to time: A (embed 100 images, inference), B (ProtoNet training step, 200 images) or all")
	threads := addThreadsFlag(fs)
	n := fs.Int("n", 20, "timed calls per workload, after warm-up; the median is reported (at least 5)")
	asJSON := fs.Bool("json", false, "print one JSON object per workload")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	names := workload.Names()
	if *which != "all" {
		if !slices.Contains(names, *which) {
			return usagef("-workload %q: want A, B or all", *which)
		}
		names = []string{*which}
	}
	if err := checkThreads(*threads); err != nil {
		return err
	}
	if *n < 5 {
		return usagef("-n %d: want at least 5 calls for a median", *n)
	}
	th := resolveThreads(*threads)
	pool := gemm.NewPool(th)
	defer pool.Close()
	for _, name := range names {
		w, err := workload.New(name, pool, 1)
		if err != nil {
			return err
		}
		ms, cpu, err := medianMS(w, *n)
		if err != nil {
			return fmt.Errorf("workload %s: %w", name, err)
		}
		r := benchResult{Workload: name, Threads: th, MS: round2(ms), ImagesPerS: round2(float64(w.Images()) / ms * 1000),
			CPUMS: round2(cpu), N: *n, GOARCH: runtime.GOARCH, Kernel: pool.Kernel(), GoVersion: runtime.Version(), ImagesPerRun: w.Images()}
		if *asJSON {
			b, err := json.Marshal(r)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s\n", b)
			continue
		}
		fmt.Fprintf(stdout, "workload %s  %d images  threads %d  %s/%s kernel %s  %.2f ms/call (median of %d)  %.0f images/s",
			name, w.Images(), th, runtime.GOOS, runtime.GOARCH, r.Kernel, r.MS, *n, r.ImagesPerS)
		if r.CPUMS > 0 {
			fmt.Fprintf(stdout, "  cpu %.2f ms/call", r.CPUMS)
		}
		fmt.Fprintln(stdout)
	}
	return nil
}

// medianMS runs w a few times to warm up (buffers grown, caches filled),
// then n times, and returns the median wall-clock duration of a call and
// the mean CPU time of the process per call (0 where unknown), in
// milliseconds.
func medianMS(w workload.Workload, n int) (ms, cpuMS float64, err error) {
	warm := max(2, n/10)
	for range warm {
		if err := w.Run(); err != nil {
			return 0, 0, err
		}
	}
	times := make([]float64, n)
	cpu0, cpuOK := processCPU()
	for i := range times {
		start := time.Now()
		if err := w.Run(); err != nil {
			return 0, 0, err
		}
		times[i] = float64(time.Since(start)) / float64(time.Millisecond)
	}
	if cpu1, ok := processCPU(); ok && cpuOK {
		cpuMS = float64(cpu1-cpu0) / float64(time.Millisecond) / float64(n)
	}
	slices.Sort(times)
	if n%2 == 1 {
		return times[n/2], cpuMS, nil
	}
	return (times[n/2-1] + times[n/2]) / 2, cpuMS, nil
}

func round2(x float64) float64 {
	return float64(int64(x*100+0.5)) / 100
}
