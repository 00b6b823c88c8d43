// Workload A for TF.js, shared by tfjs.mjs (node) and browser.mjs (served
// to the page as a module): the Conv4 embedding of a batch with BatchNorm
// folded into the convolutions, as a converted, optimised TF.js graph
// model would run it (fused conv2d + bias + ReLU, then max-pool, four
// times). It takes the tf namespace as an argument, so it imports nothing
// and runs wherever tf was loaded.

/**
 * conv4Embed returns a function that embeds the NHWC images x (N×28×28×1)
 * once with the folded blocks (each {w: 3×3×Cin×64 HWIO, b: 64}) and
 * waits for the result (dataSync), freeing every intermediate tensor.
 */
export function conv4Embed(tf, x, folded) {
  const images = x.shape[0];
  return () => {
    const y = tf.tidy(() => {
      let h = x;
      for (const f of folded) {
        h = tf.fused.conv2d({ x: h, filter: f.w, bias: f.b, strides: 1, pad: "same", activation: "relu" });
        h = tf.maxPool(h, 2, 2, "valid");
      }
      return tf.reshape(h, [images, 64]);
    });
    y.dataSync();
    y.dispose();
  };
}
