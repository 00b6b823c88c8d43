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
The flags pick one cell (bench/peers/run.mjs, `make bench-peers`, runs the
cells one at a time, interleaved with metaglot's):

    /usr/bin/python3 bench/peer_torch.py -workload A -threads 1 -layout channels_last -n 20

With -onnx PATH it writes Conv4 in inference mode (random weights, opset 13,
batch dimension dynamic) as an ONNX file for onnxruntime-node and exits.
"""
import argparse
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
    """Returns the median wall-clock ms of a call after warm untimed calls,
    and the mean CPU ms of the process per call (all threads)."""
    for _ in range(warm):
        fn()
    times = []
    c0 = time.process_time()
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times), (time.process_time() - c0) * 1e3 / n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-workload", choices=("A", "B", "all"), default="all")
    ap.add_argument("-threads", type=int, choices=(0, 1, 2), default=0, help="0: 1 then 2")
    ap.add_argument("-layout", choices=("nchw", "channels_last", "all"), default="all")
    ap.add_argument("-n", type=int, default=20, help="timed calls; the median is reported")
    ap.add_argument("-warm", type=int, default=5, help="untimed calls first")
    ap.add_argument("-onnx", metavar="PATH", help="write Conv4 (inference mode) as ONNX to PATH and exit")
    args = ap.parse_args()
    if args.onnx:
        torch.manual_seed(1)
        net = conv4().eval()
        torch.onnx.export(net, torch.rand(100, 1, 28, 28), args.onnx, input_names=["x"], output_names=["emb"],
                          opset_version=13, dynamic_axes={"x": {0: "n"}, "emb": {0: "n"}})
        return
    if args.n < 1 or args.warm < 0:
        ap.error("-n must be at least 1 and -warm at least 0")
    torch.manual_seed(1)
    for threads in ((1, 2) if args.threads == 0 else (args.threads,)):
        torch.set_num_threads(threads)
        for layout in (("nchw", "channels_last") if args.layout == "all" else (args.layout,)):
            mf = torch.channels_last if layout == "channels_last" else torch.contiguous_format
            net = conv4().to(memory_format=mf)

            xa = torch.rand(100, 1, 28, 28).to(memory_format=mf)
            net.eval()

            def embed():
                with torch.no_grad():
                    net(xa)
            if args.workload in ("A", "all"):
                ms, cpu = median_ms(embed, args.warm, args.n)
                print(json.dumps({"workload": "A", "threads": threads, "ms": round(ms, 2), "cpu_ms": round(cpu, 2),
                                  "images_per_s": round(100 / ms * 1e3, 2), "layout": layout, "n": args.n,
                                  "peer": "pytorch " + torch.__version__}), flush=True)
            if args.workload not in ("B", "all"):
                continue

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
            ms, cpu = median_ms(step, args.warm, args.n)
            print(json.dumps({"workload": "B", "threads": threads, "ms": round(ms, 2), "cpu_ms": round(cpu, 2),
                              "images_per_s": round(200 / ms * 1e3, 2), "layout": layout, "n": args.n,
                              "peer": "pytorch " + torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
