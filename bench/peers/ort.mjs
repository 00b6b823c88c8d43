// onnxruntime-node on workload A (embed 100 images in inference mode): the
// Conv4 exported by `bench/peer_torch.py -onnx PATH`, all graph
// optimisations on (BatchNorm folded into the convolutions), intra-op
// threads as asked, one inter-op thread.
//
//   node bench/peers/ort.mjs -model build/conv4.onnx -threads 1 -n 20
import ort from "onnxruntime-node";
import { line, medianMS, parseArgs, rand, randArray } from "./common.mjs";

const a = parseArgs(process.argv.slice(2), { model: "", threads: "1", n: "20", warm: "5" });
if (!a.model) throw new Error("-model: the ONNX file of Conv4 is needed (bench/peer_torch.py -onnx PATH writes it)");
const threads = Number(a.threads);
const sess = await ort.InferenceSession.create(a.model, {
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  executionMode: "sequential",
  graphOptimizationLevel: "all",
});
const images = 100;
const x = new ort.Tensor("float32", randArray(rand(1), images * 28 * 28), [images, 1, 28, 28]);
const t = await medianMS(() => sess.run({ x }), Number(a.warm), Number(a.n));
line("A", threads, t, images, Number(a.n), "onnxruntime-node " + ort.env.versions.common);
