#!/usr/bin/python3
"""Lake et al.'s baseline for their one-shot task, the modified Hausdorff
distance (Dubuisson and Jain 1994) between the ink pixels of two images,
each centred on its mean (as the one-shot-classification demo of
github.com/brendenlake/omniglot, which reports 38.8 % error on its 20 runs
at 105x105), at 105, 52 and 28 pixels: does 28x28 lose what shape matching
needs? The episodes are those of lake_pixelnn.py with the same seed.
usage: /usr/bin/python3 lake_mhd.py [episodes [seed [episodes at 105]]] (200 1 40)"""
import sys
import numpy as np
import lake_pixelnn as L  # loads the data; its own run is under __main__

def points(img, res, thresh=0.25):
    """The ink pixels of img (values above thresh: a quarter covered, for
    the box-averaged images; the 105 ones are 0 or 1), centred."""
    r, c = np.nonzero(img > thresh)
    p = np.stack([r, c], 1).astype(np.float64) * (105.0 / res)
    return p - p.mean(0)

def mhd(a, b):
    d = np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))
    return max(d.min(1).mean(), d.min(0).mean())

def run(episodes, seed, full):
    """episodes at 28 and 52 pixels; the first full of them at 105 too
    (about 8 s of CPU each in numpy)."""
    rng = np.random.default_rng(seed)
    accs = {105: [], 52: [], 28: []}
    for e in range(episodes):
        name, n, first = L.evals[rng.integers(len(L.evals))]
        chars = rng.choice(n, 20, replace=False)
        dex, dte = rng.choice(20, 2, replace=False)
        for res in accs:
            if res == 105 and e >= full:
                continue
            pts = {}
            for d in (dex, dte):
                for c in chars:
                    if res == 28:
                        im = L.img28(name, c, d)
                    else:
                        im = L.ink105[first + c, d].astype(np.float32)
                        if res != 105:
                            im = L.box(im, res)
                    pts[d, c] = points(im, res)
            ok = [np.argmin([mhd(pts[dte, c], pts[dex, k]) for k in chars]) == i for i, c in enumerate(chars)]
            accs[res].append(np.mean(ok))
    for res, a in accs.items():
        a = np.array(a)
        print(f"MHD {res:3d}x{res:<3d}: error {100 * (1 - a.mean()):5.1f} % ± {100 * 1.96 * a.std(ddof=1) / np.sqrt(len(a)):.1f} ({len(a)} episodes of 20 tests)")
    k = len(accs[105])
    for res in (52, 28):
        d = np.array(accs[res][:k]) - np.array(accs[105])
        print(f"MHD {res} minus 105 on the same {k} episodes: error {-100 * d.mean():+.1f} points ± {100 * 1.96 * d.std(ddof=1) / np.sqrt(k):.1f}")

if __name__ == "__main__":
    a = [int(x) for x in sys.argv[1:]] + [200, 1, 40][len(sys.argv) - 1:]
    run(a[0], a[1], a[2])
