#!/usr/bin/python3
"""A PyTorch Conv4 named as learn2learn's CNN4 (channels=1, max_pool=True,
embedding_size=64: conv 3x3 pad 1 -> BatchNorm -> ReLU -> max-pool 2, four
times, then a linear classifier), saved from its plain state_dict() --
num_batches_tracked (int64) included -- as safetensors with metaglot's
metadata for a 5-way FOMAML model, and its logits for three fixed images in
inference mode (running statistics), as a golden for TestPyTorchNames.

Run by hand (Debian's python3-torch; never at build or test time):

    /usr/bin/python3 cmd/metaglot/testdata/gen_torch_l2l.py
"""
import json
import struct
from pathlib import Path

import torch
import torch.nn as nn


class ConvBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)
        self.normalize = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()
        self.max_pool = nn.MaxPool2d(2)

    def forward(self, x):
        return self.max_pool(self.relu(self.normalize(self.conv(x))))


class CNN4(nn.Module):
    def __init__(self, way):
        super().__init__()
        self.features = nn.Sequential(*[ConvBlock(1 if i == 0 else 64, 64) for i in range(4)])
        self.classifier = nn.Linear(64, way)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


def write_safetensors(path, tensors, meta):
    header, blobs, off = {"__metadata__": meta}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous()
        dtype = {torch.float32: "F32", torch.int64: "I64"}[t.dtype]
        b = t.numpy().tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    Path(path).write_bytes(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def main():
    torch.manual_seed(7)
    m = CNN4(5)
    # Running statistics unlike 0 and 1, and a few steps counted.
    m.train()
    with torch.no_grad():
        for _ in range(3):
            m(torch.rand(16, 1, 28, 28))
    m.eval()
    x = torch.zeros(3, 1, 28, 28)
    x[0, 0, 5:20, 14] = 1
    x[1, 0, 10, 3:25] = 1
    x[2] = torch.rand(1, 28, 28)
    with torch.no_grad():
        logits = m(x)
    here = Path(__file__).parent
    cfg = {"algo": "fomaml", "split": "vinyals", "way": 5, "shot": 1, "query": 1, "episodes": 1,
           "lr": 0.001, "inner_steps": 1, "inner_lr": 0.4, "adapt_steps": 10, "meta_batch": 1,
           "seed": 1, "bn": "running", "checkpoint_every": 1, "val_episodes": 1}
    write_safetensors(here / "torch_l2l_cnn4.safetensors", m.state_dict(),
                      {"metaglot": "model", "algo": "fomaml", "config": json.dumps(cfg), "episodes": "1", "wall_seconds": "0"})
    (here / "torch_l2l_cnn4.json").write_text(json.dumps({
        "images": x.flatten().tolist(), "logits": logits.flatten().tolist(),
        "torch": torch.__version__}) + "\n")


if __name__ == "__main__":
    main()
