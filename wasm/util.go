package main

import "image"

// imageRect returns the integer rectangle covering x, y, w, h.
func imageRect(x, y, w, h float32) image.Rectangle {
	return image.Rect(int(x), int(y), int(x+w+0.999), int(y+h+0.999))
}
