package trainer

import (
	"errors"
	"fmt"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"

	"metaglot/core/learner"
	"metaglot/core/nn"
	"metaglot/core/tensor"
	"metaglot/core/train"
	"metaglot/wasm/trainer/protocol"
)

// viewWork is the Trainer's state for snapshots: the user's drawings to
// project and the buffers that embed them.
type viewWork struct {
	user       *tensor.Tensor // U×1×28×28 or nil
	userLabels []int
	userNames  []string
	params     *tensor.Set      // copy of the weights with support statistics
	net        *learner.HeadNet // of the weights' network (HeadNet.Net)
}

// SetUserDrawings sets the user's drawings to project into the embedding
// view: images (each 28×28 values in [0, 1], 1 = ink), the class of each
// and the class names. It returns an error naming the problem if the
// lengths or labels do not fit.
func (t *Trainer) SetUserDrawings(images [][]float32, labels []int, names []string) error {
	const px = nn.ImageSize * nn.ImageSize
	if len(images) != len(labels) {
		return fmt.Errorf("user drawings: %d images but %d labels", len(images), len(labels))
	}
	if len(images) == 0 {
		t.view.user, t.view.userLabels, t.view.userNames = nil, nil, nil
		return nil
	}
	x := tensor.New(len(images), 1, nn.ImageSize, nn.ImageSize)
	for i, img := range images {
		if len(img) != px {
			return fmt.Errorf("user drawing %d has %d values, want %d (28×28)", i, len(img), px)
		}
		if labels[i] < 0 || labels[i] >= len(names) {
			return fmt.Errorf("user drawing %d has class %d, outside the %d classes", i, labels[i], len(names))
		}
		copy(x.Data[i*px:], img)
	}
	t.view.user, t.view.userLabels, t.view.userNames = x, append([]int(nil), labels...), append([]string(nil), names...)
	return nil
}

// Snapshot describes the episode of the latest step (the first task of
// its meta-batch): images, the predictions of the current weights adapted
// to its support set, and a PCA of the embeddings. It returns an error if
// no step has been taken in the run.
func (t *Trainer) Snapshot() (*protocol.Snapshot, error) {
	if t.last == nil {
		return nil, errors.New("no episode yet")
	}
	// Weights loaded after the run are shown on its last episode; a head
	// network needs its learner to fine-tune, which only a run has.
	if t.w.Way > 0 && t.l == nil {
		return nil, errors.New("no run of these weights yet")
	}
	ep := t.last
	task := train.TaskOf(ep)
	s := &protocol.Snapshot{Episode: t.done, Way: ep.Way, Shot: ep.Shot, Query: ep.Query}
	for _, c := range ep.Classes {
		s.Classes = append(s.Classes, t.ds.ClassName(c))
	}
	s.Support = toBytes(task.Support.Data)
	s.Queries = toBytes(task.Query.Data)

	if err := t.project(s, task); err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	if t.w.Way > 0 {
		// Fine-tune a copy on the support set, as classifying does.
		cl, err := t.l.Adapt(task)
		if err != nil {
			return nil, fmt.Errorf("snapshot: %w", err)
		}
		p, err := cl.Probs(task.Query)
		if err != nil {
			return nil, fmt.Errorf("snapshot: %w", err)
		}
		for i := range s.Pred {
			s.Pred[i] = learner.Argmax(p.Data[i*ep.Way : (i+1)*ep.Way])
		}
	}
	return s, nil
}

// project fills s.Points: the embeddings of the support images, the
// prototypes and the queries, and of the user's drawings, on the first
// two principal components of the episode's points. Embeddings use
// BatchNorm as the learner classifies: ProtoNet's running statistics, or
// for a head network the statistics of the support set.
func (t *Trainer) project(s *protocol.Snapshot, task *learner.Task) error {
	v := &t.view
	kind, err := learner.NetNamed(t.w.Net)
	if err != nil {
		return err
	}
	if v.net == nil || v.net.Net().Name != kind.Name {
		v.net = kind.NewHeadNet(nil, learner.SupportBN)
	}
	if v.params == nil || v.params.Len() != t.w.Params.Len() || v.params.CopyFrom(t.w.Params) != nil {
		v.params = t.w.Params.Clone()
	}
	if t.w.Way > 0 {
		if err := v.net.SupportStats(v.params, task.Support); err != nil {
			return err
		}
	}
	d := kind.Dim
	embed := func(x *tensor.Tensor) ([]float32, error) {
		e, err := v.net.Embed(v.params, x, false)
		if err != nil {
			return nil, err
		}
		return append([]float32(nil), e.Data...), nil
	}
	sup, err := embed(task.Support)
	if err != nil {
		return err
	}
	qry, err := embed(task.Query)
	if err != nil {
		return err
	}
	var usr []float32
	if v.user != nil {
		if usr, err = embed(v.user); err != nil {
			return err
		}
	}
	way, ns, nq := task.Way, len(task.SupportLabels), len(task.QueryLabels)
	protos := make([]float32, way*d)
	if _, err := learner.Prototypes(protos, sup, task.SupportLabels, way, d); err != nil {
		return err
	}
	rows := ns + way + nq
	a := mat.NewDense(rows, d, nil)
	fill := func(r0 int, e []float32) {
		for i := range len(e) / d {
			for j := range d {
				a.Set(r0+i, j, float64(e[i*d+j]))
			}
		}
	}
	fill(0, sup)
	fill(ns, protos)
	fill(ns+way, qry)
	var pc stat.PC
	if !pc.PrincipalComponents(a, nil) {
		return errors.New("PCA of the embeddings failed")
	}
	var vecs mat.Dense
	pc.VectorsTo(&vecs)
	vars := pc.VarsTo(nil)
	var total float64
	for _, x := range vars {
		total += x
	}
	if total > 0 && len(vars) >= 2 {
		s.Explained = (vars[0] + vars[1]) / total
	}
	mean := make([]float64, d)
	for j := range d {
		for i := range rows {
			mean[j] += a.At(i, j)
		}
		mean[j] /= float64(rows)
	}
	proj := func(e []float32, kind protocol.Kind, label func(i int) int) {
		for i := range len(e) / d {
			var x, y float64
			for j := range d {
				c := float64(e[i*d+j]) - mean[j]
				x += c * vecs.At(j, 0)
				y += c * vecs.At(j, 1)
			}
			s.Points = append(s.Points, protocol.Point{X: float32(x), Y: float32(y), Kind: kind, Class: label(i)})
		}
	}
	// ProtoNet's prediction is the nearest prototype, from the same
	// embeddings (BatchNorm in inference mode, as its classifier).
	s.Pred = make([]int, nq)
	if t.w.Way == 0 {
		dist := make([]float32, nq*way)
		nn.SqDistances(dist, qry, protos, nq, way, d)
		for i := range s.Pred {
			row := dist[i*way : (i+1)*way]
			for k := range row {
				row[k] = -row[k]
			}
			s.Pred[i] = learner.Argmax(row)
		}
	}
	proj(sup, protocol.SupportPoint, func(i int) int { return task.SupportLabels[i] })
	proj(protos, protocol.PrototypePoint, func(i int) int { return i })
	proj(qry, protocol.QueryPoint, func(i int) int { return task.QueryLabels[i] })
	if usr != nil {
		proj(usr, protocol.UserPoint, func(i int) int { return v.userLabels[i] })
		s.UserClasses = v.userNames
	}
	return nil
}

// toBytes converts ink values in [0, 1] to bytes (255 = ink).
func toBytes(x []float32) []byte {
	b := make([]byte, len(x))
	for i, v := range x {
		b[i] = byte(min(max(v, 0), 1)*255 + 0.5)
	}
	return b
}
