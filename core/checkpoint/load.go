package checkpoint

import (
	"fmt"
	"strings"

	"metaglot/core/tensor"
)

// LoadInto copies the values of src into dst, tensor by tensor, matching
// by name, as PyTorch's load_state_dict(strict=True) does. src must hold
// exactly dst's names with the same shapes; otherwise LoadInto returns an
// error listing every problem (names missing from src, names src has that
// dst lacks, shape mismatches, both shapes given) and copies nothing. It
// also refuses a src tensor whose data does not match its shape or holds a
// NaN or an Inf.
func LoadInto(dst *tensor.Set, src *tensor.Set) error {
	var missing, extra, shape []string
	for i := range dst.Len() {
		name, d := dst.At(i)
		s := src.Get(name)
		switch {
		case s == nil:
			missing = append(missing, fmt.Sprintf("%q %v", name, tensor.ShapeString(d.Shape)))
		case !tensor.SameShape(s.Shape, d.Shape):
			shape = append(shape, fmt.Sprintf("%q is %v in the checkpoint, %v in the model", name, tensor.ShapeString(s.Shape), tensor.ShapeString(d.Shape)))
		}
	}
	for i := range src.Len() {
		name, s := src.At(i)
		if !dst.Has(name) {
			extra = append(extra, fmt.Sprintf("%q %v", name, tensor.ShapeString(s.Shape)))
		}
	}
	var problems []string
	add := func(what string, list []string) {
		const show = 8
		if len(list) == 0 {
			return
		}
		more := ""
		if len(list) > show {
			more = fmt.Sprintf(" and %d more", len(list)-show)
			list = list[:show]
		}
		problems = append(problems, what+": "+strings.Join(list, ", ")+more)
	}
	add(fmt.Sprintf("%d missing from the checkpoint", len(missing)), missing)
	add(fmt.Sprintf("%d in the checkpoint but not the model", len(extra)), extra)
	add(fmt.Sprintf("%d of another shape", len(shape)), shape)
	if len(problems) > 0 {
		return fmt.Errorf("checkpoint does not fit the model (%d tensors in the model, %d in the checkpoint): %s",
			dst.Len(), src.Len(), strings.Join(problems, "; "))
	}
	for i := range dst.Len() {
		name, d := dst.At(i)
		s := src.Get(name)
		if len(s.Data) != len(d.Data) || len(d.Data) != tensor.Size(d.Shape) {
			return fmt.Errorf("checkpoint tensor %q has %d values and the model's %d for shape %v", name, len(s.Data), len(d.Data), tensor.ShapeString(d.Shape))
		}
		if err := s.CheckFinite(name); err != nil {
			return fmt.Errorf("checkpoint tensor %w", err)
		}
	}
	for i := range dst.Len() {
		name, d := dst.At(i)
		copy(d.Data, src.Get(name).Data)
	}
	return nil
}
