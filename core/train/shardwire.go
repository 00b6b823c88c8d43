package train

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"unsafe"

	"metaglot/core/algo"
	"metaglot/core/learner"
	"metaglot/core/modelfile"
	"metaglot/core/tensor"
)

// ShardRequest is the work a Split sends a shard for one meta-step.
type ShardRequest struct {
	Config ShardConfig     // the run's settings as JSON (modelfile.Config)
	Params *tensor.Set     // the meta-parameters of the step
	Tasks  []*learner.Task // the tasks to compute
	First  int             // the place of Tasks[0] in the meta-batch
	Batch  int             // the size of the meta-batch
}

// The wire format of shard messages, one ArrayBuffer each in the page:
// 4 bytes of magic, the length of a JSON header (uint32, little-endian),
// the header, then the tensors' float32 values, little-endian, in the
// header's order.
const (
	requestMagic  = "MGq1"
	responseMagic = "MGp1"
	// maxHeader bounds a message's JSON header (tasks' labels are in it).
	maxHeader = 16 << 20
)

type wireTensor struct {
	Name  string `json:"name,omitempty"`
	Shape []int  `json:"shape"`
}

type wireTask struct {
	Way           int         `json:"way"`
	Support       wireTensor  `json:"support"`
	SupportLabels []int       `json:"support_labels"`
	Query         *wireTensor `json:"query,omitempty"`
	QueryLabels   []int       `json:"query_labels,omitempty"`
	ImageShape    [3]int      `json:"image_shape"`
}

type requestHeader struct {
	Config json.RawMessage `json:"config"`
	First  int             `json:"first"`
	Batch  int             `json:"batch"`
	Params []wireTensor    `json:"params"`
	Tasks  []wireTask      `json:"tasks"`
}

type responseHeader struct {
	Error   string            `json:"error,omitempty"`
	Metrics []learner.Metrics `json:"metrics,omitempty"`
	Parts   []wireTensor      `json:"parts,omitempty"` // one task's tensors; every task has the same
}

// message writes magic, the JSON of h and the values of ts.
func message(magic string, h any, ts []*tensor.Tensor) ([]byte, error) {
	hj, err := json.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("shard message: %w", err)
	}
	n := 0
	for _, t := range ts {
		n += len(t.Data)
	}
	b := make([]byte, 0, 8+len(hj)+4*n)
	b = append(b, magic...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(hj)))
	b = append(b, hj...)
	for _, t := range ts {
		b = appendFloats(b, t.Data)
	}
	return b, nil
}

// littleEndian reports whether float32 values sit in memory as the
// messages hold them (wasm and amd64 do): then they are copied whole.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// appendFloats appends x as little-endian float32 values.
func appendFloats(b []byte, x []float32) []byte {
	if littleEndian && len(x) > 0 {
		return append(b, unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(x))), 4*len(x))...)
	}
	for _, v := range x {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

// readFloats sets x from the little-endian float32 values at the front of
// b, which holds at least len(x) of them.
func readFloats(x []float32, b []byte) {
	if littleEndian && len(x) > 0 {
		copy(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(x))), 4*len(x)), b)
		return
	}
	for i := range x {
		x[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
}

// parse reads a message's header into h and returns the values after it.
func parse(magic string, b []byte, h any) ([]byte, error) {
	if len(b) < 8 || string(b[:4]) != magic {
		return nil, fmt.Errorf("shard message: not a %q message (%d bytes)", magic, len(b))
	}
	n := binary.LittleEndian.Uint32(b[4:8])
	if n > maxHeader || uint64(n) > uint64(len(b)-8) {
		return nil, fmt.Errorf("shard message: header of %d bytes in a message of %d", n, len(b))
	}
	d := json.NewDecoder(bytes.NewReader(b[8 : 8+n]))
	d.DisallowUnknownFields()
	if err := d.Decode(h); err != nil {
		return nil, fmt.Errorf("shard message: header: %w", err)
	}
	return b[8+n:], nil
}

// values reads a tensor of shape from the front of data and returns the rest.
func values(data []byte, shape []int) (*tensor.Tensor, []byte, error) {
	n := 1
	for _, d := range shape {
		if d < 0 || d > maxHeader {
			return nil, nil, fmt.Errorf("shard message: bad shape %v", shape)
		}
		n *= d
		if n > len(data)/4 {
			return nil, nil, fmt.Errorf("shard message: shape %v needs more values than the message has", shape)
		}
	}
	t := tensor.New(shape...)
	readFloats(t.Data, data)
	return t, data[4*n:], nil
}

// Encode returns r as a shard request message.
func (r ShardRequest) Encode() ([]byte, error) {
	h := requestHeader{Config: json.RawMessage(r.Config), First: r.First, Batch: r.Batch}
	var ts []*tensor.Tensor
	for i := range r.Params.Len() {
		name, t := r.Params.At(i)
		h.Params = append(h.Params, wireTensor{Name: name, Shape: t.Shape})
		ts = append(ts, t)
	}
	for _, t := range r.Tasks {
		wt := wireTask{Way: t.Way, Support: wireTensor{Shape: t.Support.Shape}, SupportLabels: t.SupportLabels, ImageShape: t.ImageShape}
		ts = append(ts, t.Support)
		if t.Query != nil {
			wt.Query, wt.QueryLabels = &wireTensor{Shape: t.Query.Shape}, t.QueryLabels
			ts = append(ts, t.Query)
		}
		h.Tasks = append(h.Tasks, wt)
	}
	return message(requestMagic, h, ts)
}

// DecodeShardRequest parses a message of ShardRequest.Encode, returning
// an error naming the problem if it is malformed.
func DecodeShardRequest(b []byte) (ShardRequest, error) {
	var h requestHeader
	data, err := parse(requestMagic, b, &h)
	if err != nil {
		return ShardRequest{}, err
	}
	r := ShardRequest{Config: ShardConfig(h.Config), First: h.First, Batch: h.Batch, Params: &tensor.Set{}}
	if len(h.Tasks) == 0 || h.First < 0 || h.First+len(h.Tasks) > h.Batch {
		return r, fmt.Errorf("shard message: tasks %d… (%d of them) of a meta-batch of %d", h.First, len(h.Tasks), h.Batch)
	}
	for _, p := range h.Params {
		var t *tensor.Tensor
		if t, data, err = values(data, p.Shape); err != nil {
			return r, err
		}
		if r.Params.Get(p.Name) != nil {
			return r, fmt.Errorf("shard message: parameter %q twice", p.Name)
		}
		r.Params.Add(p.Name, t)
	}
	for i, wt := range h.Tasks {
		if wt.Way < 1 || wt.Way > len(wt.SupportLabels) {
			return r, fmt.Errorf("shard message: task %d is %d-way with %d support images", h.First+i, wt.Way, len(wt.SupportLabels))
		}
		t := &learner.Task{Way: wt.Way, SupportLabels: wt.SupportLabels, QueryLabels: wt.QueryLabels, ImageShape: wt.ImageShape}
		if t.Support, data, err = values(data, wt.Support.Shape); err != nil {
			return r, err
		}
		if wt.Query != nil {
			if t.Query, data, err = values(data, wt.Query.Shape); err != nil {
				return r, err
			}
		}
		if err := t.Check(); err != nil {
			return r, fmt.Errorf("shard message: %w", err)
		}
		r.Tasks = append(r.Tasks, t)
	}
	if len(data) != 0 {
		return r, fmt.Errorf("shard message: %d bytes after the last task", len(data))
	}
	return r, nil
}

// encodeResponse returns the parts and metrics of a shard's tasks, or
// its error, as a response message.
func EncodeShardResponse(parts []*tensor.Set, m []learner.Metrics, err error) []byte {
	if err != nil {
		b, _ := message(responseMagic, responseHeader{Error: err.Error()}, nil)
		return b
	}
	h := responseHeader{Metrics: m}
	var ts []*tensor.Tensor
	for i := range parts[0].Len() {
		name, t := parts[0].At(i)
		h.Parts = append(h.Parts, wireTensor{Name: name, Shape: t.Shape})
	}
	for _, p := range parts {
		for i := range p.Len() {
			_, t := p.At(i)
			ts = append(ts, t)
		}
	}
	b, merr := message(responseMagic, h, ts)
	if merr != nil {
		b, _ = message(responseMagic, responseHeader{Error: merr.Error()}, nil)
	}
	return b
}

// DecodeShardResponse reads a shard's response into out and m (one each
// per task of the request), which must have the shapes of the learner's
// NewPart. It returns the shard's error, or an error naming the problem if
// the message does not fit.
func DecodeShardResponse(b []byte, out []*tensor.Set, m []learner.Metrics) error {
	var h responseHeader
	data, err := parse(responseMagic, b, &h)
	if err != nil {
		return err
	}
	if h.Error != "" {
		return errors.New(h.Error)
	}
	if len(h.Metrics) != len(out) || len(m) != len(out) {
		return fmt.Errorf("shard message: %d tasks' results for %d tasks", len(h.Metrics), len(out))
	}
	for i, p := range out {
		if p.Len() != len(h.Parts) {
			return fmt.Errorf("shard message: %d tensors per task, want %d", len(h.Parts), p.Len())
		}
		for j := range p.Len() {
			name, t := p.At(j)
			if h.Parts[j].Name != name || !tensor.SameShape(h.Parts[j].Shape, t.Shape) {
				return fmt.Errorf("shard message: tensor %q %v, want %q %v", h.Parts[j].Name, h.Parts[j].Shape, name, t.Shape)
			}
			if len(data) < 4*len(t.Data) {
				return fmt.Errorf("shard message: too short for task %d's %q", i, name)
			}
			readFloats(t.Data, data)
			data = data[4*len(t.Data):]
		}
	}
	if len(data) != 0 {
		return fmt.Errorf("shard message: %d bytes after the last task", len(data))
	}
	copy(m, h.Metrics)
	return nil
}

// ShardServer is the shard's side: it holds a learner of the run's
// settings, built from the first request and rebuilt when the settings or
// the parameters' shapes change, and computes the tasks of each request
// at the request's meta-parameters. The page's helper Web Workers run one
// each. The zero value is ready to use; it is not safe for concurrent use.
type ShardServer struct {
	cfg   string
	l     learner.TaskSplitter
	parts []*tensor.Set
	m     []learner.Metrics
}

// Handle computes a request message and returns the response message
// (which carries the error, if any, to the Split that sent it).
func (s *ShardServer) Handle(msg []byte) []byte {
	parts, m, err := s.handle(msg)
	return EncodeShardResponse(parts, m, err)
}

func (s *ShardServer) handle(msg []byte) ([]*tensor.Set, []learner.Metrics, error) {
	r, err := DecodeShardRequest(msg)
	if err != nil {
		return nil, nil, err
	}
	if s.l == nil || s.cfg != string(r.Config) || s.l.Params().CopyFrom(r.Params) != nil {
		if err := s.build(r); err != nil {
			return nil, nil, err
		}
	}
	n := len(r.Tasks)
	for len(s.parts) < n {
		s.parts = append(s.parts, s.l.NewPart())
		s.m = append(s.m, learner.Metrics{})
	}
	if err := s.l.TaskParts(r.Tasks, r.First, r.Batch, s.parts[:n], s.m[:n]); err != nil {
		return nil, nil, err
	}
	return s.parts[:n], s.m[:n], nil
}

// build makes the server's learner for r's settings, on r's parameters.
func (s *ShardServer) build(r ShardRequest) error {
	s.l, s.parts, s.m, s.cfg = nil, nil, nil, ""
	var c modelfile.Config
	if err := json.Unmarshal(r.Config, &c); err != nil {
		return fmt.Errorf("shard: settings: %w", err)
	}
	spec, err := algo.Lookup(c.Algo)
	if err != nil {
		return fmt.Errorf("shard: %w", err)
	}
	l, err := spec.New(c, r.Params, nil)
	if err != nil {
		return fmt.Errorf("shard: %w", err)
	}
	ts, ok := l.(learner.TaskSplitter)
	if !ok {
		return fmt.Errorf("shard: %s steps cannot be split over workers", spec.Label)
	}
	s.l, s.cfg = ts, string(r.Config)
	return nil
}

// LocalShard is a Shard on a goroutine of this process that goes through
// the same messages as the page's workers (ShardRequest.Encode, a
// ShardServer, DecodeShardResponse): tests and benchmarks of splitting.
type LocalShard struct {
	srv  ShardServer
	done chan []byte
}

// NewLocalShard returns a LocalShard.
func NewLocalShard() *LocalShard { return &LocalShard{done: make(chan []byte, 1)} }

// Start encodes req and computes it on a goroutine.
func (s *LocalShard) Start(req ShardRequest) error {
	b, err := req.Encode()
	if err != nil {
		return err
	}
	go func() { s.done <- s.srv.Handle(b) }()
	return nil
}

// Wait decodes the result of the last Start.
func (s *LocalShard) Wait(out []*tensor.Set, m []learner.Metrics) error {
	return DecodeShardResponse(<-s.done, out, m)
}
