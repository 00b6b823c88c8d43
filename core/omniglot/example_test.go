package omniglot_test

import (
	"fmt"
	"os"

	"metaglot/core/omniglot"
)

// The browser's way in: parse the fetched index, then add the sheets of
// the alphabets a split needs as their bytes arrive.
func ExampleDataset_AddAlphabetSheet() {
	index, err := os.ReadFile("../../assets/omniglot/index.json") // fetched, in the browser
	if err != nil {
		fmt.Println(err)
		return
	}
	ix, err := omniglot.ParseIndex(index)
	if err != nil {
		fmt.Println(err)
		return
	}
	ds := omniglot.New(ix)
	split, _ := ds.Split("lake-evaluation")
	fmt.Println(len(split.Classes), "classes; sheets to fetch:", len(ds.Missing(split)))

	sheet, err := os.ReadFile("../../assets/omniglot/" + ix.Alphabets[30].File)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := ds.AddAlphabetSheet(ix.Alphabets[30].Name, sheet); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ix.Alphabets[30].Name, "loaded:", ds.Loaded("Angelic"), "- still to fetch:", len(ds.Missing(split)))
	// Output:
	// 659 classes; sheets to fetch: 20
	// Angelic loaded: true - still to fetch: 19
}
