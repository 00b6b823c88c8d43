// run.mjs: runs an ONNX Conv4 or conv4s2 exported by metaglot in
// onnxruntime-node on the six Omniglot images of the PyTorch fixture and
// writes the embeddings core/onnx's tests compare metaglot's with.
//
//   cd interop/onnx && npm ci --ignore-scripts    # once; onnxruntime-node's CPU runtime ships in the package
//   node interop/onnx/run.mjs [MODEL.onnx [IMAGES.json [OUT.json]]]
//
// Defaults (from the repository root): core/onnx/testdata/conv4.onnx,
// core/checkpoint/testdata/torch_conv4.json (written by
// interop/torch/gen_fixtures.py: 28x28 bytes, 255 = ink), and
// core/onnx/testdata/ort_embeddings.json. The input is byte/255 in float32,
// as metaglot reads its assets. The output records the model's SHA-256, so
// the Go test can tell whether it belongs to the committed model; one
// intra-op thread, so it does not depend on the machine's cores.
// gen.sh runs the whole chain.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync, renameSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import ort from "onnxruntime-node";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const [modelPath, imagesPath, outPath] = [
  process.argv[2] ?? path.join(repo, "core/onnx/testdata/conv4.onnx"),
  process.argv[3] ?? path.join(repo, "core/checkpoint/testdata/torch_conv4.json"),
  process.argv[4] ?? path.join(repo, "core/onnx/testdata/ort_embeddings.json"),
];

function fail(msg) {
  console.error(`run.mjs: ${msg}`);
  process.exit(1);
}

let model, fixture;
try {
  model = readFileSync(modelPath);
} catch (e) {
  fail(`${modelPath}: ${e.message} (write it with: metaglot export -onnx ${modelPath} -model MODEL)`);
}
try {
  fixture = JSON.parse(readFileSync(imagesPath, "utf8"));
} catch (e) {
  fail(`${imagesPath}: ${e.message}`);
}
const images = fixture.images;
if (!Array.isArray(images) || images.length === 0) fail(`${imagesPath}: no "images"`);
const x = new Float32Array(images.length * 784);
images.forEach((im, i) => {
  if (im.pixels?.length !== 784) fail(`${imagesPath}: image ${i} has ${im.pixels?.length} pixels, want 784`);
  im.pixels.forEach((b, j) => {
    x[i * 784 + j] = Math.fround(b / 255); // b/255 rounded once to float32, as Go's float32(b)/255
  });
});

const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1 });
const out = await session.run({ images: new ort.Tensor("float32", x, [images.length, 1, 28, 28]) });
const emb = out.embeddings;
// 64 for Conv4, 256 for conv4s2 (metaglot export writes the net its model's metadata names).
if (!emb || emb.dims.length !== 2 || emb.dims[0] !== images.length || ![64, 256].includes(emb.dims[1])) {
  fail(`${modelPath}: output "embeddings" has dims ${emb?.dims}, want ${images.length}x64 (Conv4) or ${images.length}x256 (conv4s2)`);
}

const result = {
  generator: "interop/onnx/run.mjs",
  onnxruntime: JSON.parse(readFileSync(path.join(repo, "interop/onnx/node_modules/onnxruntime-node/package.json"), "utf8")).version,
  model: path.relative(repo, modelPath),
  model_sha256: createHash("sha256").update(model).digest("hex"),
  images: path.relative(repo, imagesPath),
  inputs: session.inputNames,
  outputs: session.outputNames,
  embeddings: Array.from(emb.data),
};
const tmp = outPath + ".tmp";
writeFileSync(tmp, JSON.stringify(result) + "\n");
renameSync(tmp, outPath);
console.log(JSON.stringify({ ...result, embeddings: `${emb.data.length} values` }));
