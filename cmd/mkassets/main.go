// Command mkassets builds metaglot's Omniglot assets from the original data
// set: it reads the two npz files, alphabets.tsv and the Vinyals split files
// of a source folder (../shared/data/omniglot by default) and writes into
// the output folder (assets/omniglot by default):
//
//   - one PNG sprite sheet per alphabet: 8-bit greyscale, a 28×28 cell per
//     image, one row per character, one column per drawer, 255 = ink;
//   - index.json, the index that package omniglot reads;
//   - the licenses of the data and of the split.
//
// Every image goes through preprocess.Resize28, the path the browser and
// "metaglot classify" use. The output is deterministic: running mkassets
// twice writes identical bytes, given the same Go release (image/png's
// compressed bytes change between releases; see pngToolchain). Run it with
// "make assets", which pins that release.
//
// Usage:
//
//	mkassets [-src DIR] [-out DIR] [-alphabets NAME,NAME]
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
)

func main() {
	src := flag.String("src", "../shared/data/omniglot", "folder of the original Omniglot data (npz files, alphabets.tsv, splits/)")
	out := flag.String("out", "assets/omniglot", "folder to write the sheets, index.json and licenses into")
	only := flag.String("alphabets", "", "comma-separated alphabet names: write only their sheets (default: all)")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "mkassets: unexpected argument %q\n", flag.Arg(0))
		os.Exit(2)
	}
	if v := runtime.Version(); v != pngToolchain {
		fmt.Fprintf(os.Stderr, "mkassets: warning: built with %s; the committed sheets were compressed by %s "+
			"(same pixels, other bytes). Run it as \"make assets\", which pins that toolchain.\n", v, pngToolchain)
	}
	var names []string
	if *only != "" {
		names = strings.Split(*only, ",")
	}
	st, err := build(*src, *out, names)
	if err != nil {
		fmt.Fprintf(os.Stderr, "mkassets: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("mkassets: %d alphabets, %d characters, %d images into %s: %d bytes of pixels, %d bytes of files\n",
		st.alphabets, st.characters, st.images, *out, st.pixelBytes, st.fileBytes)
}
