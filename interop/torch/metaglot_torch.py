"""metaglot's Conv4 and conv4s2 in PyTorch, its model files, and its Omniglot episodes.

The modules here have metaglot's parameter names exactly (core/nn.Conv4Names):

    encoder.{i}.0.weight [64, Cin, 3, 3]   encoder.{i}.0.bias [64]     (convolution)
    encoder.{i}.1.weight, .bias, .running_mean, .running_var [64]      (BatchNorm)
    head.weight [way, D], head.bias [way]                              (FOMAML/Reptile's learned head)

where D, the embedding width, is 64 for Conv4 (3x3 convolutions with
padding 1 and 2x2 max-pooling) and 256 for conv4s2 (stride-2 convolutions
with padding 1, no pooling, the last 64x2x2 flattened). The two have the
same tensors, so a model file's metadata says which it is: "net" in its
config, "" or "conv4" for Conv4, "conv4s2" (net_class, net_of).

plus PyTorch's encoder.{i}.1.num_batches_tracked, which metaglot does not
keep (its BatchNorm has a fixed momentum 0.1, PyTorch's default, and the
counter only matters with momentum=None). load_model loads a metaglot file
with load_state_dict(strict=True): from a plain dict, which carries no
state_dict version metadata, BatchNorm fills the missing counters in (0),
and every other name and shape must match both ways. save_model leaves the
counters out (metaglot would drop them anyway: core/checkpoint.FromPyTorch).

Files are safetensors, read and written here with numpy and struct (Debian
has no python3-safetensors): the same bytes layout as core/checkpoint, and
metaglot's metadata (core/modelfile): "metaglot": "model", "algo",
"config" (a modelfile.Config as JSON), "episodes", "wall_seconds",
"description".

Only /usr/bin/python3 with Debian's python3-torch, python3-numpy and
python3-pil (to read the PNG sprite sheets of assets/omniglot) is needed.
Nothing in metaglot's page or CLI depends on this directory.
"""
import json
import struct
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

FILTERS = 64
BLOCKS = 4
IMAGE = 28
REPO = Path(__file__).resolve().parents[2]
ASSETS = REPO / "assets"


# ---------------------------------------------------------------- the network

class Conv4(nn.Module):
    """Four blocks of [3x3 conv, 64 filters, padding 1 -> BatchNorm -> ReLU ->
    2x2 max-pool]: 1x28x28 -> 64 (28->14->7->3->1), as core/nn.Conv4, and a
    linear head of `way` classes when way > 0.

    forward(x) returns the DIM-d embeddings; logits(x) the head's outputs.
    Both take two optional arguments used by FOMAML (see train.py):
      delta  {name: tensor}: compute with parameter + delta[name] (the fast
             weights as the meta-parameters plus a constant offset, so the
             gradient reaching the meta-parameters is the first-order one);
      bn     None: as the module's mode (batch statistics when training,
             running ones otherwise); "running": running statistics; a list
             of per-block (mean, var): those; "collect": batch statistics,
             appended (detached) to the list given as stats_out.
    Running statistics are updated only by a plain training-mode forward
    (bn=None, delta=None), as nn.BatchNorm2d does.
    """

    NET = "conv4"  # the model metadata's "net" (modelfile.Config.Net)
    STRIDE = 1     # of every convolution
    POOL = True    # a 2x2 max-pool ends every block
    DIM = FILTERS  # embedding width

    def __init__(self, way=0):
        super().__init__()
        self.encoder = nn.Sequential(*[
            nn.Sequential(nn.Conv2d(1 if i == 0 else FILTERS, FILTERS, 3, stride=self.STRIDE, padding=1),
                          nn.BatchNorm2d(FILTERS), nn.ReLU(), *([nn.MaxPool2d(2)] if self.POOL else []))
            for i in range(BLOCKS)])
        self.way = way
        if way > 0:
            self.head = nn.Linear(self.DIM, way)

    def forward(self, x, delta=None, bn=None, stats_out=None):
        if delta is None and bn is None:
            return self.encoder(x).flatten(1)
        delta = delta or {}

        def p(name, t):
            d = delta.get(name)
            return t if d is None else t + d

        for i, blk in enumerate(self.encoder):
            conv, norm = blk[0], blk[1]
            x = F.conv2d(x, p(f"encoder.{i}.0.weight", conv.weight), p(f"encoder.{i}.0.bias", conv.bias),
                         stride=self.STRIDE, padding=1)
            g, b = p(f"encoder.{i}.1.weight", norm.weight), p(f"encoder.{i}.1.bias", norm.bias)
            if bn == "running" or (bn is None and not self.training):
                x = F.batch_norm(x, norm.running_mean, norm.running_var, g, b, False, 0.0, norm.eps)
            elif isinstance(bn, list):
                mean, var = bn[i]
                x = (x - mean[None, :, None, None]) / torch.sqrt(var[None, :, None, None] + norm.eps)
                x = x * g[None, :, None, None] + b[None, :, None, None]
            else:  # the batch's own statistics, running ones left alone
                if stats_out is not None:
                    stats_out.append((x.detach().mean(dim=(0, 2, 3)), x.detach().var(dim=(0, 2, 3), unbiased=False)))
                x = F.batch_norm(x, None, None, g, b, True, 0.0, norm.eps)
            x = F.relu(x)
            if self.POOL:
                x = F.max_pool2d(x, 2)
        return x.flatten(1)

    def logits(self, x, delta=None, bn=None, stats_out=None):
        e = self.forward(x, delta, bn, stats_out)
        d = delta or {}
        w, b = self.head.weight, self.head.bias
        if "head.weight" in d:
            w, b = w + d["head.weight"], b + d["head.bias"]
        return F.linear(e, w, b)


class Conv4S2(Conv4):
    """conv4s2, the Omniglot network of Finn et al. (2017) and Nichol et al.
    (2018): four blocks of [3x3 conv, 64 filters, stride 2, padding 1 ->
    BatchNorm -> ReLU], no pooling: 1x28x28 -> 64x2x2 (28->14->7->4->2),
    flattened in channel, row, column order to 256, and a linear head
    256 -> way. The parameter names and shapes are Conv4's (the head's
    input aside), so only the model metadata's "net" tells the two apart.
    Same forward and logits as Conv4."""

    NET = "conv4s2"
    STRIDE = 2
    POOL = False
    DIM = FILTERS * 2 * 2


# The networks by the name a model's metadata gives them (config "net";
# "" is Conv4: every file written before conv4s2 existed).
NETS = {"conv4": Conv4, "conv4s2": Conv4S2}


def net_class(net):
    """The module class of the network named net ("" or "conv4": Conv4;
    "conv4s2": Conv4S2); any other name is an error naming it."""
    cls = NETS.get(net or "conv4")
    if cls is None:
        raise ValueError(f"unknown network {net!r} (want {' or '.join(NETS)})")
    return cls


def net_of(meta):
    """The "net" a model file's metadata names in its config ("" when it
    says none, as in a plain PyTorch state_dict or any file from before
    conv4s2)."""
    cfg = meta.get("config")
    if not cfg:
        return ""
    net = json.loads(cfg).get("net", "")
    if not isinstance(net, str):
        raise ValueError(f"config net {net!r}: not a string")
    return net


def metaglot_state(module):
    """The module's state_dict as metaglot names it: float32 tensors, no
    num_batches_tracked counters."""
    return {k: v.detach().to(torch.float32).contiguous()
            for k, v in module.state_dict().items() if not k.endswith(".num_batches_tracked")}


# ---------------------------------------------------------------- safetensors

_DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "I64": np.int64, "BF16": None}


def read_safetensors(path):
    """Returns ({name: float32 or int64 numpy array}, {metadata}) in file order."""
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise SystemExit(f"{path}: {e.strerror}")
    if len(raw) < 8:
        raise ValueError(f"{path}: {len(raw)} bytes, not a safetensors file")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > len(raw) - 8:
        raise ValueError(f"{path}: header of {n} bytes in a file of {len(raw)}")
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {}) or {}
    buf = raw[8 + n:]
    out = {}
    for name, h in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        a, b = h["data_offsets"]
        dt = h["dtype"]
        if dt not in _DTYPES:
            raise ValueError(f"{path}: tensor {name}: dtype {dt} not read here")
        if dt == "BF16":
            arr = (np.frombuffer(buf[a:b], dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            arr = np.frombuffer(buf[a:b], dtype=np.dtype(_DTYPES[dt]).newbyteorder("<"))
        arr = arr.reshape(h["shape"])
        out[name] = arr.astype(np.int64) if dt == "I64" else arr.astype(np.float32)
    return out, meta


def write_safetensors(path, tensors, meta):
    """Writes {name: tensor or array} (float32, or int64 kept as I64) with
    string metadata, as core/checkpoint.Encode does: tensors in the given
    order, metadata keys sorted, compact JSON padded with spaces to 8 bytes.
    Written to a temporary file and renamed."""
    header, blobs, off = {}, [], 0
    if meta:
        header["__metadata__"] = {k: str(meta[k]) for k in sorted(meta)}
    for name, t in tensors.items():
        a = t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
        if a.dtype == np.int64:
            dt, a = "I64", a.astype("<i8")
        else:
            dt, a = "F32", a.astype("<f4")
        b = np.ascontiguousarray(a).tobytes()
        header[name] = {"dtype": dt, "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    # Go's json.Marshal, as metaglot writes headers: UTF-8 kept as it is
    # (metadata such as "75.7 ± 2.3 %"), <, >, & and U+2028/9 escaped.
    h = json.dumps(header, separators=(",", ":"), ensure_ascii=False)
    for c, e in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        h = h.replace(c, e)
    h = h.encode()
    h += b" " * (-len(h) % 8)
    path = Path(path)
    tmp = path.with_name("." + path.name + ".tmp")
    tmp.write_bytes(struct.pack("<Q", len(h)) + h + b"".join(blobs))
    tmp.replace(path)


# ---------------------------------------------------------------- model files

def model_meta(config, episodes, seconds, description):
    """metaglot's model metadata (core/modelfile.Meta.Encode) for a
    modelfile.Config given as a dict of its JSON keys."""
    return {"metaglot": "model", "algo": config["algo"], "config": json.dumps(config, separators=(",", ":")),
            "episodes": str(int(episodes)), "wall_seconds": f"{seconds:.1f}", "description": description}


def save_model(path, module, config, episodes, seconds, description):
    write_safetensors(path, metaglot_state(module), model_meta(config, episodes, seconds, description))


def load_model(path):
    """Loads a metaglot model file (any: ProtoNet's, or FOMAML's or
    Reptile's with a learned head) into the network its metadata's config
    names ("net": Conv4 unless it says conv4s2; an unknown net is an error
    naming it) with load_state_dict(strict=True): a missing or extra name,
    or a wrong shape, is an error. Returns (module in eval mode, metadata
    dict)."""
    arrays, meta = read_safetensors(path)
    try:
        cls = net_class(net_of(meta))
    except ValueError as e:
        raise SystemExit(f"{path}: {e}")
    way = arrays["head.weight"].shape[0] if "head.weight" in arrays else 0
    m = cls(way)
    # A plain dict, without the _metadata (state_dict versions) of a
    # state_dict() result: BatchNorm then fills in the missing
    # num_batches_tracked (read only with momentum=None), and any other
    # missing or unexpected name, or wrong shape, fails.
    sd = {k: torch.from_numpy(v.copy()) for k, v in arrays.items()}
    try:
        m.load_state_dict(sd, strict=True)
    except RuntimeError as e:
        raise SystemExit(f"{path}: not metaglot's {cls.NET}: {e}")
    return m.eval(), meta


# ---------------------------------------------------------------- Omniglot

class Omniglot:
    """metaglot's Omniglot assets (assets/omniglot: index.json and one 8-bit
    PNG sprite sheet per alphabet, 255 = ink; written by cmd/mkassets from
    the 105x105 originals through core/preprocess.Resize28), so PyTorch sees
    the very pixels metaglot trains on: float = byte/255 (1 = ink), row 0 the
    top of the drawing, rotations counter-clockwise quarter turns
    (np.rot90, as core/omniglot.WriteImage).

    Classes of the Vinyals split: split "train" = the characters of
    vinyals train+val (metaglot's training classes, 1200 x 4 rotations =
    4800), "test" = vinyals test (423 x 4 = 1692), as metaglot train and
    eval use them."""

    def __init__(self, assets=ASSETS):
        from PIL import Image  # Debian's python3-pil
        d = Path(assets) / "omniglot"
        try:
            index = json.loads((d / "index.json").read_text())
        except (OSError, ValueError) as e:
            raise SystemExit(f"{d / 'index.json'}: {getattr(e, 'strerror', None) or e} (metaglot's assets folder: -assets)")
        n = index["image_size"]
        chars, vin = [], []
        for a in index["alphabets"]:
            sheet = np.asarray(Image.open(d / a["file"]).convert("L"))
            for c in a["characters"]:
                r = c["row"]
                cells = sheet[r * n:(r + 1) * n].reshape(n, index["drawers"], n).transpose(1, 0, 2)
                chars.append(cells)
                vin.append(c["vinyals"])
        self.pixels = np.stack(chars)  # characters x 20 x 28 x 28, uint8
        vin = np.array(vin)
        self.classes = {
            "train": [(c, r) for c in np.flatnonzero((vin == "train") | (vin == "val")) for r in range(4)],
            "test": [(c, r) for c in np.flatnonzero(vin == "test") for r in range(4)],
        }

    def image(self, c, drawer, rot):
        return np.rot90(self.pixels[c, drawer], rot).astype(np.float32) / 255

    def episode(self, rng, split, way, shot, query):
        """One N-way K-shot episode: way classes and, for each, shot+query
        distinct drawers, drawn uniformly by the numpy Generator rng.
        Returns support [way*shot,1,28,28], its labels, query [way*query,...]
        and its labels, class-major (as metaglot's episodes)."""
        classes = self.classes[split]
        picked = rng.choice(len(classes), way, replace=False)
        sx, qx = [], []
        for k in picked:
            c, rot = classes[k]
            draws = rng.choice(self.pixels.shape[1], shot + query, replace=False)
            ims = [self.image(c, d, rot) for d in draws]
            sx += ims[:shot]
            qx += ims[shot:]
        t = lambda ims: torch.from_numpy(np.stack(ims)[:, None].copy())
        return (t(sx), torch.arange(way).repeat_interleave(shot),
                t(qx), torch.arange(way).repeat_interleave(query))
