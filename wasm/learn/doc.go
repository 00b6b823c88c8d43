// Package learn is the logic of the page's Learn view: a lecture on
// meta-learning that a teacher projects and clicks through, each step live
// on the visitor's own drawings or on Omniglot. It is plain Go (no
// syscall/js, no ebiten), tested natively; wasm/learn_js.go shows it.
//
// The steps (Steps) follow the lecture:
//
//  1. The task (Task, NewTask, SampleOmniglot): the current classes as an
//     N-way K-shot episode — a support set of K labelled examples of each
//     of N classes and a query to label — with N and K the visitor's, and
//     beside it the accuracy each bundled model reached on Omniglot
//     episodes of that N and K (Evals: the rows of bench/eval-*.jsonl,
//     embedded as evals.json by the mkevals tool; nothing else).
//  2. Meta-training vs meta-testing (SplitSizes, SplitAlphabets): episodes
//     from the training alphabets and from the held-out ones side by side.
//  3. Metric-based (Metric): the query's embedding and the prototypes on
//     the two principal components of the episode's embeddings, the
//     squared distances and the softmax over their negatives, which is
//     exactly what the page's ProtoNet classifier computes.
//  4. Optimization-based (Inner): the inner loop of FOMAML or Reptile one
//     SGD step at a time (classify.FineTuner), the support loss per step
//     and the query's probabilities before and after.
//  5. Model-based (Memory): the support fed to the bundled, trained MANN
//     (LoadMANN, fetched when the step is first shown) as a sequence, the
//     slots each class wrote to, and where the query reads; beyond the 5
//     classes it answers, an untrained one of the task's size, said so.
//  6. Compare (Compare): the same task classified by every algorithm, with
//     the time per query.
//
// Pictures are SVG and HTML fragments made here from the numbers (svg.go),
// with every name the visitor typed escaped, so that the browser side only
// puts them in place and tests can read them.
package learn
