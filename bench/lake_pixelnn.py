#!/usr/bin/python3
"""Nearest-neighbour pixel baseline on Lake et al.'s one-shot task at three
resolutions: is 28x28 (metaglot's input) enough to tell the characters of one
alphabet apart? Episodes: an evaluation alphabet (uniform over the 20), 20 of
its characters, two drawers: one drew the examples, the other the tests (as
eval -split lake). Each test image goes to the class of the nearest example
(Euclidean distance of ink maps, optionally Gaussian-blurred). 105: the
original images (../shared/data/omniglot, or $OMNIGLOT_DATA); 52: those
box-averaged to 52x52; 28: metaglot's assets/omniglot sheets
(core/preprocess.Resize28), the pixels the ProtoNet sees.
usage: /usr/bin/python3 lake_pixelnn.py [episodes] [seed]"""
import io
import json
import os
import sys
import zipfile

import numpy as np
from PIL import Image

# The repository is the folder above this script's (bench/); the original
# data beside it, as make assets has it.
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.environ.get("OMNIGLOT_DATA", os.path.join(ROOT, "..", "shared", "data", "omniglot"))
ASSETS = os.path.join(ROOT, "assets", "omniglot")

def load_npz_images(path):
    with zipfile.ZipFile(path) as z:
        return np.load(io.BytesIO(z.read("images.npy")))

ink105 = ~load_npz_images(f"{DATA}/images_evaluation.npz")  # (chars, 20, 105, 105) True = ink
rows = [l.rstrip("\n").split("\t") for l in open(f"{DATA}/alphabets.tsv") if not l.startswith("#")]
evals = [(r[0], int(r[3]), int(r[4])) for r in rows if r[1] == "evaluation"]  # name, chars, npz index

index = json.load(open(f"{ASSETS}/index.json"))
sheets = {}
for a in index["alphabets"]:
    if a["set"] == "evaluation":
        sheets[a["name"]] = np.asarray(Image.open(f"{ASSETS}/{a['file']}"), dtype=np.float32) / 255

def img28(alpha, c, d):
    return sheets[alpha][c * 28:(c + 1) * 28, d * 28:(d + 1) * 28]

def box(img, n):
    return np.asarray(Image.fromarray(img.astype(np.float32)).resize((n, n), Image.BOX), dtype=np.float32)

def gauss_blur(x, sigma):
    if sigma == 0:
        return x
    r = int(np.ceil(3 * sigma))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    k /= k.sum()
    x = np.apply_along_axis(lambda v: np.convolve(v, k, mode="same"), -1, x)
    return np.apply_along_axis(lambda v: np.convolve(v, k, mode="same"), -2, x)

def nn_acc(ex, te):
    d = ((te[:, None, :] - ex[None, :, :]) ** 2).sum(-1)
    return float((d.argmin(1) == np.arange(len(te))).mean())

def main(episodes, seed):
    rng = np.random.default_rng(seed)
    # sigma in pixels of the 105 image, scaled to each resolution
    settings = [(105, 0), (52, 0), (28, 0), (105, 2.0), (52, 2.0), (28, 2.0)]
    accs = {s: [] for s in settings}
    for e in range(episodes):
        name, n, first = evals[rng.integers(len(evals))]
        chars = rng.choice(n, 20, replace=False)
        dex, dte = rng.choice(20, 2, replace=False)
        for res, sig in settings:
            ims = []
            for d in (dex, dte):
                for c in chars:
                    if res == 28:
                        ims.append(img28(name, c, d))
                    else:
                        im = ink105[first + c, d].astype(np.float32)
                        ims.append(im if res == 105 else box(im, res))
            x = gauss_blur(np.stack(ims), sig * res / 105).reshape(40, -1)
            accs[(res, sig)].append(nn_acc(x[:20], x[20:]))
    for (res, sig), a in accs.items():
        a = np.array(a)
        print(f"{res:3d}x{res:<3d} blur sigma {sig:.1f}px(of 105): error {100 * (1 - a.mean()):5.1f} % ± {100 * 1.96 * a.std(ddof=1) / np.sqrt(len(a)):.1f} ({len(a)} episodes of 20 tests)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 400, int(sys.argv[2]) if len(sys.argv) > 2 else 1)
