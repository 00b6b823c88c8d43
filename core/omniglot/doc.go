// Package omniglot holds the Omniglot data set (Lake, Salakhutdinov and
// Tenenbaum 2015, "Human-level concept learning through probabilistic
// program induction", Science 350(6266):1332–1338) as metaglot ships it, and
// the two standard ways of splitting it.
//
// # Data
//
// 1623 handwritten characters from 50 alphabets, each drawn once by 20
// people. The repository's assets/omniglot/ folder (written by cmd/mkassets
// from the original 105×105 images, through package preprocess) holds:
//
//   - index.json: the alphabets in order, each with its set (background or
//     evaluation), its sprite sheet and its characters (name such as
//     "character07", global id 1..1623, row in the sheet, Vinyals split);
//   - one PNG sprite sheet per alphabet: 8-bit greyscale, 28×28 cells, one
//     row per character, one column per drawer (20), 255 = ink, 0 = paper.
//
// Nothing here touches a file system except LoadDir: ParseIndex and
// AddAlphabetSheet take bytes, so the browser can fetch the index, then
// only the sheets it needs, and start as soon as those are in. Pixels stay
// as bytes (about 15.7 kB per character) and become float32 (1 = ink) only
// when an image is written into an episode (WriteImage).
//
// # Splits
//
// A split is a list of classes. A class is a character turned by a number
// of quarter turns.
//
//   - Vinyals (Vinyals et al. 2016, "Matching networks for one shot
//     learning", the split of the Prototypical Networks code): "vinyals-train"
//     (1028 characters), "vinyals-val" (172), "vinyals-trainval" (their union,
//     1200) and "vinyals-test" (423). Each character gives four classes, its
//     rotations by 0, 90, 180 and 270 degrees, and all four are always in the
//     same split: 4800 trainval classes, 1692 test classes.
//   - Lake (the data set authors' protocol): "lake-background" (the 964
//     characters of the 30 background alphabets) and "lake-evaluation" (the
//     659 of the 20 evaluation alphabets), unrotated. Episodes are usually
//     drawn within one alphabet (see package episode).
//
// # Episodes
//
// A *Dataset is an episode.Dataset, what episode.NewSampler draws from:
// its classes are the characters, its items the 20 drawers, its images
// 1×28×28 (the index's image size), its groups the alphabets
// (episode.Grouped), and it refuses classes of alphabets not loaded yet
// (episode.Partial). Class and Split are package episode's types.
//
// # Rotation
//
// Rotations are exact quarter turns of the 28×28 grid, counter-clockwise
// like PIL's Image.rotate used by the reference code: a class with Rot = 1
// shows the character turned 90° to the left, so its top-right corner
// becomes its top-left. See WriteImage.
//
// Row 0 of every image is the top of the drawing, as in the original files.
// (The Prototypical Networks code also transposes each image as it converts
// it to a tensor; metaglot does not, so weights trained there see Omniglot
// mirrored along the diagonal compared with here.)
package omniglot
