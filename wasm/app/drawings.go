package app

import "metaglot/wasm/trainer/protocol"

// Drawings returns the classes as the Train view's worker takes them, to
// project into its embedding view: each example's 28×28 image as bytes
// (0 paper, 255 ink, rounded), its class and the class names.
func (s *State) Drawings() *protocol.Drawings {
	d := &protocol.Drawings{Names: []string{}, Images: [][]byte{}, Labels: []int{}}
	for i := range s.Classes.Len() {
		c := s.Classes.Class(i)
		d.Names = append(d.Names, c.Name)
		for j := range c.Examples {
			img := s.ExampleImage(i, j)
			b := make([]byte, len(img))
			for k, v := range img {
				b[k] = byte(min(max(v, 0), 1)*255 + 0.5)
			}
			d.Images = append(d.Images, b)
			d.Labels = append(d.Labels, i)
		}
	}
	return d
}

// Synced remembers which Version of the classes was last sent somewhere
// (the worker's drawings). Its zero value has sent none.
type Synced struct{ sent int } // Version+1, so that 0 is "none"

// Due reports whether version differs from the one last sent, and counts
// it as sent.
func (y *Synced) Due(version int) bool {
	if y.sent == version+1 {
		return false
	}
	y.sent = version + 1
	return true
}
