// Package pad is the drawing pad's model: pen strokes, their smoothing, and
// their rasterisation into an ink raster, with no screen attached.
//
// # Frame
//
// Points live in the 105×105 frame of the Omniglot images: X grows to the
// right, Y grows downward, and pixel (row r, column c) covers the square
// [c, c+1) × [r, r+1), so its centre is (c+0.5, r+0.5). The page maps its
// square canvas onto this frame, so a drawing made there is rasterised
// exactly like the pen trajectories behind the Omniglot images.
//
// # Ink
//
// A raster is a row-major []float32 of size×size values in [0, 1]:
// 1 is ink, 0 is paper, values between are the pen's antialiased edge.
// Rasterize draws each segment with a round pen (a capsule of the pen's
// width), keeping the maximum coverage per pixel.
//
// # Calibration
//
// DefaultPen is the pen whose rasterised Omniglot trajectories overlap the
// real images of the same drawings best (mean intersection over union of
// ink); calibration_test.go measures it against the raw data in
// ../shared/data/omniglot and fails if DefaultPen is no longer the best
// pen on its grid.
//
// # Pointers and incremental ink
//
// Tracker decides what a stream of pointer events does to a drawing: the
// pointer that pressed holds the pen until it is released or cancelled,
// and every other pointer is ignored. Ink keeps a drawing's raster up to
// date as it grows, redrawing only the segments that smoothing may still
// move, and is always exactly Rasterize's raster of the same strokes.
//
// # Usage
//
//	var d pad.Drawing
//	d.Begin(pad.Point{X: 20, Y: 30})
//	d.Extend(pad.Point{X: 80, Y: 30})
//	d.End()
//	ink := make([]float32, pad.FrameSize*pad.FrameSize)
//	pad.DefaultPen.Rasterize(ink, pad.FrameSize, d.Strokes())
package pad
