package learner

import (
	"strings"
	"testing"

	"metaglot/core/tensor"
)

// TestTaskCheckImageShape: a task's images take the shape of its data set
// (or of Task.ImageShape when set), not a fixed 1×28×28.
func TestTaskCheckImageShape(t *testing.T) {
	task := func(support, query []int, shape [3]int) *Task {
		tk := &Task{Way: 2, ImageShape: shape}
		if support != nil {
			tk.Support = tensor.New(support...)
			tk.SupportLabels = make([]int, support[0])
			for i := range tk.SupportLabels {
				tk.SupportLabels[i] = i % 2
			}
		}
		if query != nil {
			tk.Query = tensor.New(query...)
			tk.QueryLabels = make([]int, query[0])
		}
		return tk
	}
	for _, tc := range []struct {
		name           string
		support, query []int
		shape          [3]int
		want           string // "" for no error
	}{
		{"omniglot", []int{4, 1, 28, 28}, []int{6, 1, 28, 28}, [3]int{}, ""},
		{"omniglot, shape given", []int{4, 1, 28, 28}, []int{6, 1, 28, 28}, [3]int{1, 28, 28}, ""},
		{"another data set", []int{4, 2, 16, 16}, []int{6, 2, 16, 16}, [3]int{}, ""},
		{"another data set, shape given", []int{4, 2, 16, 16}, []int{6, 2, 16, 16}, [3]int{2, 16, 16}, ""},
		{"no queries", []int{2, 3, 5, 7}, nil, [3]int{}, ""},
		{"not the given shape", []int{4, 2, 16, 16}, []int{6, 2, 16, 16}, [3]int{1, 28, 28}, "support images have shape [4 2 16 16], want [N 1 28 28]"},
		{"queries not the given shape", []int{4, 2, 16, 16}, []int{6, 2, 16, 15}, [3]int{2, 16, 16}, "query images have shape [6 2 16 15], want [N 2 16 16]"},
		{"queries not the support's shape", []int{4, 1, 28, 28}, []int{6, 1, 16, 16}, [3]int{}, "query images have shape [6 1 16 16], want [N 1 28 28]"},
		{"queries of other channels", []int{4, 2, 16, 16}, []int{6, 1, 16, 16}, [3]int{}, "query images have shape [6 1 16 16], want [N 2 16 16]"},
		{"three dimensions", []int{4, 28, 28}, []int{6, 1, 28, 28}, [3]int{}, "support images have shape [4 28 28], want [N C H W]"},
		{"an empty dimension", []int{4, 0, 28, 28}, []int{6, 1, 28, 28}, [3]int{}, "support images have shape [4 0 28 28]"},
		{"no support", nil, []int{6, 1, 28, 28}, [3]int{}, "support images have shape []"},
		{"no support images", []int{0, 1, 28, 28}, nil, [3]int{}, "support images have shape [0 1 28 28]"},
	} {
		err := task(tc.support, tc.query, tc.shape).Check()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: got error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// TestTaskCheckLabels: labels stay checked whatever the image shape.
func TestTaskCheckLabels(t *testing.T) {
	base := func() *Task {
		return &Task{Way: 2,
			Support: tensor.New(2, 2, 16, 16), SupportLabels: []int{0, 1},
			Query: tensor.New(3, 2, 16, 16), QueryLabels: []int{1, 0, 1}}
	}
	for _, tc := range []struct {
		name string
		edit func(*Task)
		want string
	}{
		{"fine", func(*Task) {}, ""},
		{"way 0", func(t *Task) { t.Way = 0 }, "way 0 < 1"},
		{"label out of range", func(t *Task) { t.QueryLabels[2] = 2 }, "query label 2 of image 2 is outside [0, 2)"},
		{"labels missing", func(t *Task) { t.SupportLabels = t.SupportLabels[:1] }, "1 support labels for 2 images"},
		{"class without support", func(t *Task) { t.SupportLabels[1] = 0 }, "class 1 has no support image"},
		{"query labels without images", func(t *Task) { t.Query = nil }, "query images have shape []"},
	} {
		tk := base()
		tc.edit(tk)
		err := tk.Check()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: got error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}
