// TF.js with its WebAssembly backend (SIMD, one thread) under node, on
// metaglot's two workloads, NHWC as TF.js prefers:
//
//   - A: embed 100 images in inference mode, BatchNorm folded into the
//     convolutions (tfjs-embed.mjs, shared with browser.mjs);
//   - B: one ProtoNet training step on a 20-way 5-shot 5-query episode of
//     200 images: batch-statistics BatchNorm, prototypes, squared
//     distances, cross-entropy, gradients, Adam.
//
// The wasm backend has no Conv2DBackpropFilter (the weight gradient), so
// B's convolution is a tf.customGrad whose weight gradient is im2col (nine
// shifted slices) times dy as one matMul, and whose input gradient is
// conv2dTranspose: both kernels the backend has.
//
//   node bench/peers/tfjs.mjs -workload A -n 20
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import path from "node:path";
import { createRequire } from "node:module";
import { line, medianMS, parseArgs, rand, randArray } from "./common.mjs";
import { conv4Embed } from "./tfjs-embed.mjs";

const a = parseArgs(process.argv.slice(2), { workload: "A", n: "20", warm: "3" });
const require = createRequire(import.meta.url);
setWasmPaths(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm")) + path.sep);
await tf.setBackend("wasm");
await tf.ready();

// conv3x3 is a 3×3, stride 1, padding 1 convolution with the gradients
// described above.
const conv3x3 = tf.customGrad((x, w, save) => {
  save([x, w]);
  return {
    value: tf.conv2d(x, w, 1, "same"),
    gradFunc: (dy, [x, w]) => {
      const [n, h, wd, cin] = x.shape;
      const xp = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]);
      const taps = [];
      for (let kh = 0; kh < 3; kh++) for (let kw = 0; kw < 3; kw++) taps.push(tf.slice(xp, [0, kh, kw, 0], [n, h, wd, cin]));
      const col = tf.reshape(tf.concat(taps, 3), [n * h * wd, 9 * cin]);
      const dw = tf.reshape(tf.matMul(col, tf.reshape(dy, [n * h * wd, 64]), true, false), w.shape);
      return [tf.conv2dTranspose(dy, w, x.shape, 1, "same"), dw];
    },
  };
});

const rng = rand(1);
const flags = tf.getBackend() + (tf.env().getBool("WASM_HAS_SIMD_SUPPORT") ? "+simd" : "");
const peer = `tfjs-wasm ${tf.version.tfjs} (${flags}, 1 thread, node ${process.versions.node})`;
// Conv4 parameters: conv weights HWIO and biases uniform in ±1/√fan_in as
// PyTorch initialises them, BatchNorm at its initial state.
const params = [];
for (let i = 0; i < 4; i++) {
  const cin = i === 0 ? 1 : 64;
  const bound = 1 / Math.sqrt(cin * 9);
  params.push({
    w: tf.variable(tf.tensor4d(randArray(rng, 9 * cin * 64, -bound, bound), [3, 3, cin, 64])),
    b: tf.variable(tf.tensor1d(randArray(rng, 64, -bound, bound))),
    gamma: tf.variable(tf.ones([64])),
    beta: tf.variable(tf.zeros([64])),
  });
}

if (a.workload === "A") {
  const images = 100;
  const x = tf.tensor4d(randArray(rng, images * 28 * 28), [images, 28, 28, 1]);
  // Folded BatchNorm at running mean 0, variance 1: scale γ/√(1+ε), shift β.
  const folded = params.map((p) => {
    const s = tf.div(p.gamma, Math.sqrt(1 + 1e-5));
    return { w: tf.mul(p.w, s), b: tf.add(tf.mul(p.b, s), p.beta) };
  });
  const t = await medianMS(conv4Embed(tf, x, folded), Number(a.warm), Number(a.n));
  line("A", 1, t, images, Number(a.n), peer);
} else if (a.workload === "B") {
  const way = 20, shot = 5, query = 5;
  const images = way * (shot + query);
  const x = tf.tensor4d(randArray(rng, images * 28 * 28), [images, 28, 28, 1]);
  const target = tf.oneHot(tf.tensor1d(Array.from({ length: way * query }, (_, i) => Math.floor(i / query)), "int32"), way);
  const opt = tf.train.adam(1e-3);
  const vars = params.flatMap((p) => [p.w, p.b, p.gamma, p.beta]);
  const loss = () => {
    let h = x;
    for (const p of params) {
      h = tf.add(conv3x3(h, p.w), p.b);
      const { mean, variance } = tf.moments(h, [0, 1, 2]);
      h = tf.maxPool(tf.relu(tf.batchNorm(h, mean, variance, p.beta, p.gamma, 1e-5)), 2, 2, "valid");
    }
    const emb = tf.reshape(h, [images, 64]);
    const support = tf.mean(tf.reshape(tf.slice(emb, [0, 0], [way * shot, 64]), [way, shot, 64]), 1);
    const q = tf.slice(emb, [way * shot, 0], [way * query, 64]);
    const d = tf.sum(tf.square(tf.sub(tf.expandDims(q, 1), tf.expandDims(support, 0))), 2);
    return tf.losses.softmaxCrossEntropy(target, tf.neg(d));
  };
  const step = () => {
    const l = opt.minimize(loss, true, vars);
    l.dataSync();
    l.dispose();
  };
  const t = await medianMS(step, Number(a.warm), Number(a.n));
  line("B", 1, t, images, Number(a.n), peer);
} else {
  throw new Error(`-workload ${a.workload}: want A or B`);
}
