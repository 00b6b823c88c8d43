package optim_test

import (
	"fmt"

	"metaglot/core/optim"
	"metaglot/core/tensor"
)

// Adam minimises f(x, y) = (x − 3)² + 10·(y + 1)², whose gradient is
// (2(x − 3), 20(y + 1)).
func ExampleAdam() {
	var params tensor.Set
	params.Add("xy", tensor.New(2))
	grads := params.ZerosLike()
	opt := optim.NewAdam(&params, optim.AdamConfig{LR: 0.1})
	xy, g := params.Get("xy").Data, grads.Get("xy").Data
	for range 500 {
		g[0], g[1] = 2*(xy[0]-3), 20*(xy[1]+1)
		if err := opt.Step(&params, grads); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Printf("x = %.3f, y = %.3f after %d steps\n", xy[0], xy[1], opt.Steps())
	// Output: x = 3.000, y = -1.000 after 500 steps
}
