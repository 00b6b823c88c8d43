package main

import (
	"bytes"
	"fmt"
	"image/color"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"metaglot/core/checkpoint"
)

// chartFile is the name of the PNG of the training curves.
const chartFile = "curves.png"

// writeChart draws the training curves of ms into DIR/curves.png: the
// training loss on top, the training and validation accuracy below (for
// FOMAML and Reptile also the validation accuracy before adaptation), both
// against episodes. Per-step values are noisy, so the training curves are
// moving averages over a window of about 1/50 of the run.
func writeChart(dir, title string, ms []metric) error {
	if len(ms) == 0 {
		return nil
	}
	win := max(1, len(ms)/50)
	loss := smooth(ms, win, func(m metric) float64 { return m.Loss })
	acc := smooth(ms, win, func(m metric) float64 { return 100 * m.Acc })
	var val, before plotter.XYs
	for _, m := range ms {
		if m.ValAcc > 0 {
			val = append(val, plotter.XY{X: float64(m.Episode), Y: 100 * m.ValAcc})
		}
		if m.ValAccBefore > 0 {
			before = append(before, plotter.XY{X: float64(m.Episode), Y: 100 * m.ValAccBefore})
		}
	}

	top := plot.New()
	top.Title.Text = title
	top.Y.Label.Text = "training loss"
	top.Y.Min = 0
	if err := addLine(top, loss, color.RGBA{R: 200, A: 255}, "train"); err != nil {
		return err
	}

	bottom := plot.New()
	bottom.X.Label.Text = "episodes"
	bottom.Y.Label.Text = "accuracy %"
	bottom.Legend.Top = false
	bottom.Legend.Left = false
	if err := addLine(bottom, acc, color.RGBA{B: 200, A: 255}, "train (query)"); err != nil {
		return err
	}
	if len(val) > 0 {
		if err := addLine(bottom, val, color.RGBA{G: 150, A: 255}, "validation"); err != nil {
			return err
		}
	}
	if len(before) > 0 {
		if err := addLine(bottom, before, color.RGBA{R: 150, G: 150, A: 255}, "validation, before adaptation"); err != nil {
			return err
		}
	}

	const w, h = 8 * vg.Inch, 7 * vg.Inch
	img := vgimg.New(w, h)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(8)}
	canvases := plot.Align([][]*plot.Plot{{top}, {bottom}}, tiles, dc)
	top.Draw(canvases[0][0])
	bottom.Draw(canvases[1][0])
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return fmt.Errorf("draw %s: %w", chartFile, err)
	}
	return checkpoint.WriteFile(filepath.Join(dir, chartFile), buf.Bytes())
}

func addLine(p *plot.Plot, xys plotter.XYs, c color.Color, name string) error {
	l, err := plotter.NewLine(xys)
	if err != nil {
		return fmt.Errorf("chart: %w", err)
	}
	l.Color = c
	l.Width = vg.Points(1.5)
	p.Add(l)
	p.Legend.Add(name, l)
	return nil
}

// smooth returns the trailing moving average of f over win steps, one
// point per window.
func smooth(ms []metric, win int, f func(metric) float64) plotter.XYs {
	var xys plotter.XYs
	for lo := 0; lo < len(ms); lo += win {
		hi := min(lo+win, len(ms))
		var s float64
		for _, m := range ms[lo:hi] {
			s += f(m)
		}
		xys = append(xys, plotter.XY{X: float64(ms[hi-1].Episode), Y: s / float64(hi-lo)})
	}
	return xys
}
