#!/usr/bin/env python3
"""Independent NumPy forward pass of a ReactorTwin Deep Set network file (.rtnet, docs/amortized-inference.md).

usage: deepset_forward.py NET.rtnet READINGS.csv [--time REPEATS]

READINGS.csv has a header and rows `experiment,time_h,channel,value` (channel: index into the file's channels).
Prints, per experiment in order of first appearance, `mean_1 ... mean_p logsd_1 ... logsd_p` with 17 significant
digits. With --time, prints instead the median time of one forward pass on the first experiment (µs), over REPEATS
calls (the same-run peer of benchmarks/ReactorTwin.Benchmarks AmortizedBenchmarks). Written from the format description only; shares no code with the C# implementation.
"""
import struct
import sys

import numpy as np


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, fmt):
        size = struct.calcsize(fmt)
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return values

    def i32(self):
        return self.take("<i")[0]

    def f64(self):
        return self.take("<d")[0]

    def string(self):
        n = self.i32()
        s = self.data[self.pos:self.pos + n].decode("utf-8")
        self.pos += n
        return s


def load(path):
    r = Reader(open(path, "rb").read())
    assert r.data[:8] == b"RTDEEPS1", "bad magic"
    r.pos = 8
    assert r.i32() == 1, "version"
    r.string()  # model
    c = r.i32()
    offset, scale = np.zeros(c), np.zeros(c)
    for k in range(c):
        r.string()
        r.f64()  # noise sd
        offset[k], scale[k] = r.f64(), r.f64()
    r.i32()  # readings
    r.f64()  # horizon
    time_scale = r.f64()
    p = r.i32()
    for _ in range(p):
        r.string()
        r.i32()
        r.take("<dddd?")
    h = r.i32()
    count = r.i32()
    w = np.array(r.take("<%dd" % count))
    assert r.pos == len(r.data), "trailing bytes"
    d = c + 2
    shapes = [(h, d), (h,), (h, h), (h,), (h, h), (h,), (2 * p, h), (2 * p,)]
    parts, at = [], 0
    for s in shapes:
        n = int(np.prod(s))
        parts.append(w[at:at + n].reshape(s))
        at += n
    assert at == count
    return dict(c=c, p=p, time_scale=time_scale, offset=offset, scale=scale, layers=parts)


def forward(net, t, ch, y):
    w1, b1, w2, b2, w3, b3, w4, b4 = net["layers"]
    x = np.zeros((len(t), net["c"] + 2))
    x[:, 0] = t / net["time_scale"]
    x[np.arange(len(t)), 1 + ch] = 1.0
    x[:, -1] = (y - net["offset"][ch]) / net["scale"][ch]
    phi = np.tanh(np.tanh(x @ w1.T + b1) @ w2.T + b2)
    pooled = phi.mean(axis=0)
    o = np.tanh(pooled @ w3.T + b3) @ w4.T + b4
    p = net["p"]
    return o[:p], np.clip(o[p:], -7.0, 3.0)


def main():
    net = load(sys.argv[1])
    rows = np.loadtxt(sys.argv[2], delimiter=",", skiprows=1, ndmin=2)
    order = []
    for e in rows[:, 0].astype(int):
        if e not in order:
            order.append(e)
    if len(sys.argv) > 4 and sys.argv[3] == "--time":
        import time
        sel = rows[rows[:, 0].astype(int) == order[0]]
        t, ch, y = sel[:, 1], sel[:, 2].astype(int), sel[:, 3]
        samples = []
        for _ in range(int(sys.argv[4])):
            start = time.perf_counter()
            forward(net, t, ch, y)
            samples.append(time.perf_counter() - start)
        print("%.2f" % (1e6 * float(np.median(samples))))
        return
    for e in order:
        sel = rows[rows[:, 0].astype(int) == e]
        mean, logsd = forward(net, sel[:, 1], sel[:, 2].astype(int), sel[:, 3])
        print(" ".join("%.17g" % v for v in np.concatenate([mean, logsd])))


if __name__ == "__main__":
    main()
