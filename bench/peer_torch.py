#!/usr/bin/env python3
"""Peer benchmark: the same two workloads as `metaglot bench`, in PyTorch.

Run by hand (never by CI) with Debian's python3-torch:

    /usr/bin/python3 bench/peer_torch.py > bench/peer_torch.jsonl

Workload A: embed 100 random 1x28x28 images with Conv4 in inference mode.
Workload B: one ProtoNet training step on a 20-way 5-shot 5-query episode
(200 images): forward with batch-statistics BatchNorm, prototypes, squared
distances, cross-entropy, backward, Adam update.

Each is timed as the median of 20 calls after 5 warm-up calls, with 1 and 2
threads, in PyTorch's default NCHW layout and in channels-last. One JSON line
per run, the fields of `metaglot bench -json` plus "layout" and "peer".
"""
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def conv4():
    def block(cin):
        return nn.Sequential(nn.Conv2d(cin, 64, 3, padding=1), nn.BatchNorm2d(64),
                             nn.ReLU(), nn.MaxPool2d(2))
    return nn.Sequential(block(1), block(64), block(64), block(64), nn.Flatten())


def median_ms(fn, warm=5, n=20):
    for _ in range(warm):
        fn()
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def main():
    torch.manual_seed(1)
    for threads in (1, 2):
        torch.set_num_threads(threads)
        for layout in ("nchw", "channels_last"):
            mf = torch.channels_last if layout == "channels_last" else torch.contiguous_format
            net = conv4().to(memory_format=mf)

            xa = torch.rand(100, 1, 28, 28).to(memory_format=mf)
            net.eval()

            def embed():
                with torch.no_grad():
                    net(xa)
            ms = median_ms(embed)
            print(json.dumps({"workload": "A", "threads": threads, "ms": round(ms, 2),
                              "images_per_s": round(100 / ms * 1e3, 2), "layout": layout,
                              "peer": "pytorch " + torch.__version__}), flush=True)

            way, shot, query = 20, 5, 5
            xb = torch.rand(way * (shot + query), 1, 28, 28).to(memory_format=mf)
            target = torch.arange(way).repeat_interleave(query)
            opt = torch.optim.Adam(net.parameters(), lr=1e-3)
            net.train()

            def step():
                emb = net(xb)
                support = emb[:way * shot].view(way, shot, -1).mean(1)
                q = emb[way * shot:]
                d = ((q[:, None, :] - support[None, :, :]) ** 2).sum(2)
                loss = F.cross_entropy(-d, target)
                opt.zero_grad()
                loss.backward()
                opt.step()
            ms = median_ms(step)
            print(json.dumps({"workload": "B", "threads": threads, "ms": round(ms, 2),
                              "images_per_s": round(200 / ms * 1e3, 2), "layout": layout,
                              "peer": "pytorch " + torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
