// Package classes is the page's list of user classes: up to MaxClasses
// named classes, each holding the examples drawn (or taken from Omniglot)
// for it, with the edits the page offers and a JSON form for export,
// import and persistence.
//
// # Examples
//
// An Example is either a drawing (its pen strokes, in the 105×105 frame of
// package pad) or a ready 28×28 ink image (a real Omniglot drawing). Either
// way Example.Image28 gives the network input, through the same
// preprocessing that made the Omniglot assets (core/preprocess).
//
// # JSON
//
// The document is
//
//	{"format": "metaglot-classes", "version": 1,
//	 "classes": [{"name": "circle", "examples": [
//	    {"strokes": [[[x, y], [x, y], ...], ...]},
//	    {"image28": "<base64 of 784 bytes, 255 = ink>"}]}]}
//
// Decode checks everything a foreign or hand-edited file could get wrong
// (format, version, counts, names, coordinates, image sizes) and returns an
// error naming the first problem, so a bad import never replaces good
// classes.
package classes
