package learn

import (
	"fmt"
	"strings"
)

// Step is one step of the lecture.
type Step struct {
	// ID names the step in the page's URL fragment (#learn/metric).
	ID    string
	Title string
	// Text is what the teacher reads out beside the picture, in plain
	// language.
	Text string
}

// Steps returns the lecture's steps in order.
func Steps() []Step {
	return []Step{
		{"task", "1 · The task: N-way K-shot",
			"Meta-learning is learning to learn: instead of one big classification problem, the network practises on thousands of small ones. " +
				"Each small problem is an N-way K-shot task: N classes, K labelled examples of each (the support set), and new drawings to label (the query set). " +
				"Below, your classes from Draw & classify (or Omniglot characters) make such a task. Change N and K: with fewer examples and more classes the task gets harder, and the measured accuracy beside it drops."},
		{"split", "2 · Meta-training vs meta-testing",
			"Meta-training draws its tasks from one set of classes; meta-testing draws them from other classes, never seen in training. " +
				"The classes must be disjoint, or the test would only measure how well the network remembers characters it trained on, not how well it learns new ones from a few examples. " +
				"Omniglot's alphabets are split this way: the left episode comes from a training alphabet, the right one from a held-out alphabet."},
		{"metric", "3 · Metric-based: Prototypical Networks",
			"A network turns each drawing into 64 numbers, its embedding. The mean embedding of a class's support examples is its prototype. " +
				"The query goes to the nearest prototype: the probabilities are a softmax over the negative squared distances. " +
				"The picture shows the embeddings on their two main directions (PCA); the dashed lines are the distances, measured in all 64 dimensions."},
		{"optim", "4 · Optimization-based: MAML",
			"MAML learns a starting point for the network's weights from which a few small gradient steps on the support set are enough. " +
				"Press Step to take one inner step: the support loss falls, and the query's probabilities move from the meta-learned starting point (before) towards the answer (after). " +
				"Try a larger step size: too large, and the loss jumps instead of falling."},
		{"model", "5 · Model-based: a memory-augmented network",
			"A model-based learner reads the support set as a sequence, each drawing with the label of the previous one, and writes what it saw into an external memory. " +
				"For the query it reads from the slots most like it, with no gradient step at all. " +
				"The cells are the memory's slots, coloured by the class that wrote into each; the dark bars show where the query reads."},
		{"compare", "6 · Compare the families",
			"The same task, classified by every algorithm at once, with the time each needs for the query. " +
				"ProtoNet only embeds; MAML and Reptile run their inner steps first; the MANN reads the support set once, as a sequence (it answers up to 5 classes). " +
				"The button runs 100 Omniglot test episodes of this N and K for ProtoNet, MAML and Reptile in the background and charts the accuracy with 95 % confidence intervals (the MANN's are in step 1's table)."},
	}
}

// StepIndex returns the index of the step with the given id, or −1.
func StepIndex(id string) int {
	for i, s := range Steps() {
		if s.ID == id {
			return i
		}
	}
	return -1
}

// Place is where the Learn view is: a step and the task's size, as the
// URL fragment "#learn/metric?n=5&k=1" keeps it.
type Place struct {
	Step      int
	Way, Shot int
}

// Fragment returns p as a URL fragment (without '#').
func (p Place) Fragment() string {
	return fmt.Sprintf("learn/%s?n=%d&k=%d", Steps()[p.Step].ID, p.Way, p.Shot)
}

// ParseFragment reads a fragment Fragment made (with or without '#'),
// keeping def's values for anything missing or out of range; ok is false
// when the fragment is not the Learn view's.
func ParseFragment(frag string, def Place) (p Place, ok bool) {
	frag = strings.TrimPrefix(frag, "#")
	rest, found := strings.CutPrefix(frag, "learn")
	if !found || (rest != "" && rest[0] != '/') {
		return def, false
	}
	p = def
	rest = strings.TrimPrefix(rest, "/")
	id, query, _ := strings.Cut(rest, "?")
	if i := StepIndex(id); i >= 0 {
		p.Step = i
	}
	for _, kv := range strings.Split(query, "&") {
		k, v, _ := strings.Cut(kv, "=")
		var n int
		if _, err := fmt.Sscan(v, &n); err != nil {
			continue
		}
		switch {
		case k == "n" && n >= MinWay && n <= MaxWay:
			p.Way = n
		case k == "k" && n >= MinShot && n <= MaxShot:
			p.Shot = n
		}
	}
	return p, true
}
