package main

import (
	"flag"
	"math"
	"runtime"
	"strconv"

	"metaglot/core/algo"
)

// The limits on a run's settings (inner and adaptation steps, inner lr,
// images per episode and per step, episodes) are the registry's, the same
// for flags, for the config of a model or checkpoint file and for the page:
// algo.MaxSteps, algo.MaxInnerLR and the others.
const (
	maxSteps   = algo.MaxSteps
	maxInnerLR = algo.MaxInnerLR
)

// maxThreads is the largest -threads: four workers per CPU. More only adds
// memory (each worker keeps its own buffers) and contention.
func maxThreads() int { return 4 * runtime.NumCPU() }

// addThreadsFlag defines -threads on fs, the same for every command.
func addThreadsFlag(fs *flag.FlagSet) *int {
	return fs.Int("threads", 0, "worker threads (eval and the held-out validation of train: one episode per thread; fomaml/reptile training: the tasks of a meta-batch; else the convolutions of an episode), 0 to "+strconv.Itoa(maxThreads())+" (4 per CPU) (default 0: one per CPU)")
}

// checkThreads returns a usage error unless n is a valid -threads: 0 (one
// per CPU) up to maxThreads.
func checkThreads(n int) error {
	if n < 0 || n > maxThreads() {
		return usagef("-threads %d: want 0 (one per CPU) to %d (4 per CPU)", n, maxThreads())
	}
	return nil
}

// resolveThreads returns the worker count -threads n stands for.
func resolveThreads(n int) int {
	if n == 0 {
		return runtime.GOMAXPROCS(0)
	}
	return n
}

// checkSteps returns a usage error naming the flag if steps is outside
// [min, maxSteps].
func checkSteps(name string, steps, min int) error {
	if steps < min || steps > maxSteps {
		return usagef("%s %d: want %d to %d", name, steps, min, maxSteps)
	}
	return nil
}

// checkInnerLR returns a usage error unless lr is in (0, maxInnerLR].
func checkInnerLR(lr float64) error {
	if !(lr > 0) || lr > maxInnerLR || math.IsInf(lr, 0) {
		return usagef("-inner-lr %v: want a number above 0 and at most %v", lr, maxInnerLR)
	}
	return nil
}

// flagsSet returns the names of the flags of fs given on the command line.
func flagsSet(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}
