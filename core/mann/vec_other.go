//go:build !(goexperiment.simd && go1.27 && amd64)

package mann

func dot32(a, b []float32) float32 { return dotPlain(a, b) }

func axpy32(y []float32, alpha float32, x []float32) { axpyPlain(y, alpha, x) }
