package checkpoint

import (
	"fmt"
	"regexp"
	"strings"

	"metaglot/core/tensor"
)

// FromPyTorch returns src with PyTorch's naming brought to metaglot's, so
// that a Conv4 saved from another PyTorch codebase's state_dict() loads as
// it is:
//
//   - "*.num_batches_tracked", the step counter PyTorch's BatchNorm keeps
//     beside its running statistics (metaglot uses a fixed momentum and has
//     no use for it), is dropped;
//   - learn2learn's CNN4 (vision.models.CNN4 with channels=1,
//     max_pool=True, embedding_size=64; the same Conv4: convolution,
//     BatchNorm, ReLU, 2×2 max-pool, four times, then a linear head):
//     "features.{i}.conv.*" → "encoder.{i}.0.*",
//     "features.{i}.normalize.*" → "encoder.{i}.1.*";
//   - torchmeta's ModelConvOmniglot: "features.layer{i+1}.conv.*" →
//     "encoder.{i}.0.*", "features.layer{i+1}.norm.*" → "encoder.{i}.1.*";
//   - either's "classifier.*" → "head.*".
//
// Other names pass unchanged, and LoadInto judges the result. It returns
// an error for learn2learn's OmniglotCNN ("features.1.{i}.*" or "base.*"):
// that network downsamples with strided convolutions and averages the
// last feature map instead of max-pooling, so its weights would load into
// metaglot's Conv4 and compute something else. The tensors are shared,
// not copied.
func FromPyTorch(src *tensor.Set) (*tensor.Set, error) {
	out := &tensor.Set{}
	for i := range src.Len() {
		name, t := src.At(i)
		if strings.HasSuffix(name, ".num_batches_tracked") {
			continue
		}
		if l2lOmniglotCNN.MatchString(name) {
			return nil, fmt.Errorf("tensor %q is learn2learn's OmniglotCNN, whose strided convolutions and mean-pooled features are not metaglot's Conv4 (its CNN4 with channels=1, max_pool=True, embedding_size=64 is)", name)
		}
		renamed := name
		for _, r := range renames {
			if m := r.from.FindStringSubmatch(name); m != nil {
				renamed = r.to(m)
				break
			}
		}
		if out.Has(renamed) {
			return nil, fmt.Errorf("tensor %q: its metaglot name %q is in the file twice", name, renamed)
		}
		out.Add(renamed, t)
	}
	return out, nil
}

var l2lOmniglotCNN = regexp.MustCompile(`^(features\.1\.\d+\.|base\.\d+\.)`)

var renames = []struct {
	from *regexp.Regexp
	to   func(m []string) string
}{
	{regexp.MustCompile(`^features\.(\d)\.conv\.(weight|bias)$`), func(m []string) string { return "encoder." + m[1] + ".0." + m[2] }},
	{regexp.MustCompile(`^features\.(\d)\.normalize\.(weight|bias|running_mean|running_var)$`), func(m []string) string { return "encoder." + m[1] + ".1." + m[2] }},
	{regexp.MustCompile(`^features\.layer([1-4])\.conv\.(weight|bias)$`), func(m []string) string { return "encoder." + string(m[1][0]-1) + ".0." + m[2] }},
	{regexp.MustCompile(`^features\.layer([1-4])\.norm\.(weight|bias|running_mean|running_var)$`), func(m []string) string { return "encoder." + string(m[1][0]-1) + ".1." + m[2] }},
	{regexp.MustCompile(`^classifier\.(weight|bias)$`), func(m []string) string { return "head." + m[1] }},
}
