package protocol

// CompareRequest asks the worker to measure each algorithm's bundled model
// on Episodes test episodes of Way classes, Shot support and Query query
// images each, from the held-out split (CmdCompare): the Learn view's
// compare step. Episodes come from the seed, the same for every algorithm.
type CompareRequest struct {
	Algos    []string `json:"algos"`
	Way      int      `json:"way"`
	Shot     int      `json:"shot"`
	Query    int      `json:"query"`
	Episodes int      `json:"episodes"`
	Seed     uint64   `json:"seed"`
}

// CompareResult is one algorithm's accuracy so far (EvCompare): after each
// slice of work while Done < Episodes, and at the end. Accuracy and CI95
// are in percent; Note says how the model classified (its prototype head
// when its learned head has another number of classes); Err, when set,
// says why the algorithm could not be measured.
type CompareResult struct {
	Algo     string  `json:"algo"`
	Way      int     `json:"way"`
	Shot     int     `json:"shot"`
	Episodes int     `json:"episodes"`
	Done     int     `json:"done"`
	Accuracy float64 `json:"accuracy"`
	CI95     float64 `json:"ci95"`
	Note     string  `json:"note,omitempty"`
	Err      string  `json:"err,omitempty"`
}
