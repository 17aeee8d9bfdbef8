#!/usr/bin/env python3
"""Write a small, byte-reproducible slice of Fashion-MNIST in the original IDX format.

Takes the first N_TRAIN training and the first N_TEST test examples (indices 0..N-1, in
file order) and writes them gzipped under the original file names. Pure Python (gzip,
struct): no third-party packages. gzip.compress(..., mtime=0) makes the output identical
on every run.

Usage: /usr/bin/python3 models/data/make_slice.py SRC_DIR [OUT_DIR]
  SRC_DIR: the folder of the full Fashion-MNIST IDX files (e.g. Debian dataset-fashion-mnist)
  OUT_DIR defaults to models/data/fashion-mnist next to this script
"""
import collections
import gzip
import os
import struct
import sys

N_TRAIN = 4000
N_TEST = 1000

# (split file stem, number of examples to keep)
FILES = [
    ("train-images-idx3-ubyte", N_TRAIN),
    ("train-labels-idx1-ubyte", N_TRAIN),
    ("t10k-images-idx3-ubyte", N_TEST),
    ("t10k-labels-idx1-ubyte", N_TEST),
]


def read_idx(path):
    """Return (type_code, dims, payload bytes) of an IDX file (.gz or plain)."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    zero, type_code, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or type_code != 0x08:
        raise ValueError(f"{path}: expected an IDX file of unsigned bytes")
    dims = list(struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim]))
    payload = raw[4 + 4 * ndim:]
    expected = 1
    for d in dims:
        expected *= d
    if len(payload) != expected:
        raise ValueError(f"{path}: payload {len(payload)} bytes, dims say {expected}")
    return type_code, dims, payload


def slice_idx(type_code, dims, payload, n):
    """First n examples as IDX bytes (header with dims[0] = n)."""
    if n > dims[0]:
        raise ValueError(f"asked for {n} examples, file has {dims[0]}")
    per = 1
    for d in dims[1:]:
        per *= d
    new_dims = [n] + dims[1:]
    header = struct.pack(">HBB", 0, type_code, len(new_dims))
    header += struct.pack(">" + "I" * len(new_dims), *new_dims)
    return header + payload[: n * per]


def find(src, stem):
    for name in (stem + ".gz", stem):
        p = os.path.join(src, name)
        if os.path.exists(p):
            return p
    raise FileNotFoundError(f"{stem}(.gz) not found in {src}")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    if len(sys.argv) < 2:
        sys.exit("usage: make_slice.py SRC_DIR [OUT_DIR]  (SRC_DIR: the full Fashion-MNIST IDX files)")
    src = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "fashion-mnist")
    os.makedirs(out, exist_ok=True)
    for stem, n in FILES:
        type_code, dims, payload = read_idx(find(src, stem))
        data = gzip.compress(slice_idx(type_code, dims, payload, n), compresslevel=9, mtime=0)
        dst = os.path.join(out, stem + ".gz")
        tmp = dst + ".tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, dst)
        print(f"{dst}: {n} of {dims[0]} examples, {len(data)} bytes")
        if "labels" in stem:
            counts = collections.Counter(payload[:n])
            print("  class counts:", [counts.get(c, 0) for c in range(10)])


if __name__ == "__main__":
    main()
