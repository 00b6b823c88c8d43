package mann

import (
	"fmt"
	"strings"

	"metaglot/core/modelfile"
	"metaglot/core/tensor"
)

// Transfer starts a MANN of other classes or another label code from a
// trained one: it copies into dst (the parameters of a run with the
// settings dstSettings) the weights of src (a MANN trained with
// srcSettings) that mean the same in both, and leaves dst's own (fresh)
// values where they do not. It returns what it left, in words ("" when
// it copied everything).
//
// What carries over is everything but the label code: the controller's
// recurrent weights and biases, the heads' keys and write gates, and of
// the controller's input weights the columns of the image and of the
// previous step's reads. The columns of the previous step's label and the
// output layer are tied to the code (one unit per class, or Santoro et
// al.'s five-character strings), so when the codes differ (another code,
// or one-hot labels of another number of classes) they stay dst's. This is how a network that learned to bind images to
// labels in its memory on 5-class episodes starts the 15-class setting:
// the binding mechanism is the same, only the label's code changes.
//
// The controller and the memory must be the same (units, heads, width,
// image side): Transfer returns an error naming the difference.
func Transfer(dst *tensor.Set, dstSettings modelfile.Config, src *tensor.Set, srcSettings modelfile.Config) (string, error) {
	dc, err := configOfSettings(dstSettings, dst)
	if err != nil {
		return "", fmt.Errorf("the run's parameters: %w", err)
	}
	sc, err := configOfSettings(srcSettings, src)
	if err != nil {
		return "", fmt.Errorf("the file's parameters: %w", err)
	}
	if dc.Units != sc.Units || dc.Heads != sc.Heads || dc.Width != sc.Width || dc.Side != sc.Side {
		return "", fmt.Errorf("mann: a controller of %d units with %d heads of width %d on %d×%d images cannot start one of %d units with %d heads of width %d on %d×%d",
			sc.Units, sc.Heads, sc.Width, sc.Side, sc.Side, dc.Units, dc.Heads, dc.Width, dc.Side, dc.Side)
	}
	sameCode := dc.Labels == sc.Labels && dc.outputs() == sc.outputs()
	names, _ := dc.shapes()
	var left []string
	for _, name := range names {
		d, s := dst.Get(name), src.Get(name)
		switch {
		case sameCode || (name != nameWih && name != nameWo && name != nameBo):
			copy(d.Data, s.Data)
		case name == nameWih:
			copyInputColumns(d, s, dc, sc)
			left = append(left, "the label columns of "+nameWih)
		default:
			left = append(left, name)
		}
	}
	if len(left) == 0 {
		return "", nil
	}
	return fmt.Sprintf("%s stay the run's own: its labels are coded as %s in %d units, the file's as %s in %d",
		strings.Join(left, ", "), dc.Labels, dc.outputs(), sc.Labels, sc.outputs()), nil
}

// configOfSettings is the Config of params trained with the settings c.
func configOfSettings(c modelfile.Config, params *tensor.Set) (Config, error) {
	labels, err := ParseLabels(c.Labels)
	if err != nil {
		return Config{}, err
	}
	return ConfigOf(Config{Labels: labels}, params)
}

// copyInputColumns copies the image and read columns of the controller's
// input weights s (for sc) into d (for dc): each row is the image's
// pixels, the previous label's code, then the previous reads.
func copyInputColumns(d, s *tensor.Tensor, dc, sc Config) {
	P, R := dc.pixels(), dc.Heads*dc.Width
	di, si := dc.inputs(), sc.inputs()
	for r := range d.Shape[0] {
		drow, srow := d.Data[r*di:(r+1)*di], s.Data[r*si:(r+1)*si]
		copy(drow[:P], srow[:P])
		copy(drow[di-R:], srow[si-R:])
	}
}
