// Package mann is the memory-augmented neural network (MANN) of Santoro
// et al., "Meta-Learning with Memory-Augmented Neural Networks", ICML 2016:
// the model-based family of meta-learning, beside the metric-based
// ProtoNet (package protonet) and the optimization-based MAML and Reptile
// (packages maml, reptile).
//
// # The idea
//
// A MANN does not adapt weights to a task, nor compare embeddings: it reads
// the whole task as one sequence. At step t it sees an image together with
// the correct label of the image of step t−1, and must answer the class of
// the image it sees now. Since the labels of an episode's classes are
// shuffled from one episode to the next, the only way to answer is to have
// written "this image had that label" into an external memory and to find
// it again when another image of the class comes. Meta-training over many
// episodes (backpropagation through time over each whole episode) teaches
// the network that procedure; at test time the procedure runs on classes
// never seen, with no gradient step.
//
// # The network
//
// Per step, for each sequence of a batch (shapes: U LSTM units, N memory
// slots of width D, H read heads, C classes):
//
//	x_t  = [image_t (Side² pixels), label(y_{t−1}) (C, or 25), r_{t−1} (H·D)]
//	h_t, c_t = LSTMCell(x_t, h_{t−1}, c_{t−1})            controller
//	k_t^j    = tanh(W_k h_t + b_k)_j                      key of head j (D)
//	σ_t^j    = sigmoid(W_g h_t + b_g)_j                   write gate of head j
//	lu       = the H least-used slots of u_{t−1} (ties: lower index first)
//	w^w_t^j  = σ_t^j·w^r_{t−1}^j + (1 − σ_t^j)·[i ∈ lu]  LRUA write weights
//	M_t(i)   = M_{t−1}(i)·[i ≠ lu_0] + Σ_j w^w_t^j(i)·k_t^j   (the least-used slot cleared, then written)
//	w^r_t^j  = softmax_i(cos(k_t^j, M_t(i)))              content addressing
//	r_t^j    = Σ_i w^r_t^j(i)·M_t(i)                      read vectors
//	u_t      = γ·u_{t−1} + Σ_j w^r_t^j + Σ_j w^w_t^j      usage
//	p_t      = softmax over the task's way of W_o [h_t, r_t] + b_o (string labels: five 5-way softmaxes)
//
// as in the paper's section 3 (least-recently-used access: a head writes
// either where it just read, to update a memory, or to the least-used
// slots, to store a new one; the write vector is the key). The paper's
// sizes are the defaults: 200 units, 128 slots of 40, 4 heads, γ = 0.95
// (the usage decay public reimplementations use), and
// 20×20 inputs, the paper's, here PyTorch's adaptive average pooling of
// metaglot's 28×28 images (it keeps the controller's input layer 400 + 5 +
// 160 wide instead of 784 + 5 + 160, and matches the paper). The cosine's
// norms are √(Σv² + 10⁻⁶), so that an empty or cleared slot (all zeros)
// has similarity 0 and a finite gradient. The keys are squashed by tanh
// (the paper leaves the key's activation open; bounded keys keep the
// memory's contents, sums of keys, bounded).
//
// Parameters carry the names of the PyTorch module of
// testdata/gen_golden.py: controller.{weight_ih, weight_hh, bias_ih,
// bias_hh} (nn.LSTMCell, gates in the order input, forget, cell, output),
// key.{weight,bias}, gate.{weight,bias} and out.{weight,bias} (nn.Linear).
//
// # Training and classifying
//
// Learner.Step turns each task of a meta-batch into an episode: all its
// images, support and queries alike, in a random order, with the mean
// cross-entropy over every step as the loss (the paper's objective), and
// takes one Adam (or RMSProp: Config.Optimizer) step; the episodes of a meta-batch run in lockstep, so
// the controller's products are matrix products over the batch
// (gemm's kernels) and the input projection of the images is one product
// over the whole episode. Learner.Adapt feeds a task's support set as a
// sequence and returns a Classifier that classifies each query as the next
// step from the state the support set left (queries do not see each
// other); AdaptOrder chooses the order. Learner.InstanceAccuracy is the
// paper's evaluation: accuracy at the 1st, 2nd, … presentation of a class
// in episodes of N classes × 10 instances (Table 1); `metaglot eval
// -protocol instances` runs it on a model file.
//
// # Label codes
//
// Config.Labels chooses how labels are coded (see Labels). OneHot, the
// default and the page's, gives each class an output unit: the input
// label is onehot(y) and the answer a softmax over the task's way. String
// is Santoro et al.'s code for their 15-class episodes (Table 2): each
// class of an episode gets a random string of five characters over five
// letters (one of 3125, distinct within the episode); the input label is
// five concatenated one-hot 5-vectors, the output five 5-way softmaxes
// (25 units whatever the way), the loss the sum of the five characters'
// cross-entropies, and an answer is right only when all five characters
// are. With one-hot labels a class's first presentation is a guess among
// the labels not yet used in the episode, which the network learns to
// exploit; with strings it is a guess among 3125, so the 1st-presentation
// accuracy means what it says (the paper's 0.1 %). The code is a setting
// of a run (`metaglot train -algo mann -labels string`), recorded in the
// model file; Load reads it back, and LoadOneHot, the page's loader,
// refuses a string-label model it could not show.
//
// # Proof
//
// The kernels are generic over float32 and float64. Every piece (the LSTM
// cell, content addressing and reading, the LRUA write) and a whole
// episode's loss are checked against central finite differences in
// float64 (gradcheck_test.go); the usage, which only chooses slots, is
// checked to carry no gradient. A whole episode batch is checked against
// PyTorch autograd (testdata/gen_golden.py, golden_test.go): probabilities,
// loss and every gradient, in float64 and in float32, for both label codes
// (TestGoldenPyTorch, TestGoldenPyTorchString; the string head has its own
// finite-difference check, TestStringHeadGradient). A training step
// allocates nothing once its buffers have grown, with either code
// (TestStepAllocatesNothing).
package mann
