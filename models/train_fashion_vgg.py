#!/usr/bin/env python3
"""Train the bundled Fashion-MNIST VGG-style CNN and export it to ONNX.

Reads the IDX files (gzipped or plain) from DATA_DIR (the full dataset, e.g. from the Debian
package dataset-fashion-mnist), trains on the FULL 60,000-image
training set, evaluates on the full 10,000-image test set and on the committed 1000-image test
slice (models/data/fashion-mnist), and writes, next to this script:

  fashion-vgg.onnx       opset 13, input `input` [N,1,28,28] (normalised), output `logits` [N,10]
  fashion-vgg.meta.json  architecture, normalisation, accuracy, training settings, versions

Usage: /usr/bin/python3 models/train_fashion_vgg.py DATA_DIR [--epochs N] [--threads T]

Deterministic for a given seed, torch version and thread count (fixed seeds, no DataLoader
workers, our own shuffling from a seeded generator).
"""
import argparse
import gzip
import json
import os
import struct
import platform
import sys
import time
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

MEAN = 0.2860
STD = 0.3530
SEED = 20240601
HERE = os.path.dirname(os.path.abspath(__file__))
SLICE_DIR = os.path.join(HERE, "data", "fashion-mnist")
# The NumPy ONNX interpreter used to check the export (no ONNX runtime for Debian's Python).
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "test", "fixtures"))


def read_idx(path):
    """IDX file (.gz or plain) of unsigned bytes -> numpy uint8 array with its dims."""
    if not os.path.exists(path) and os.path.exists(path + ".gz"):
        path = path + ".gz"
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    _, type_code, ndim = struct.unpack(">HBB", raw[:4])
    assert type_code == 0x08, f"{path}: not an unsigned-byte IDX file"
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_split(data_dir, split):
    """(images float32 [N,1,28,28] normalised, labels int64 [N]) for split 'train' or 't10k'."""
    x = read_idx(os.path.join(data_dir, f"{split}-images-idx3-ubyte"))
    y = read_idx(os.path.join(data_dir, f"{split}-labels-idx1-ubyte"))
    x = (x.astype(np.float32) / 255.0 - MEAN) / STD
    return torch.from_numpy(x[:, None, :, :].copy()), torch.from_numpy(y.astype(np.int64))


def conv_bn_relu(cin, cout):
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


class FashionVGG(nn.Module):
    """conv(1->16) conv(16->16) pool conv(16->32) conv(32->32) pool conv(32->64) GAP dropout fc."""

    def __init__(self, dropout=0.2):
        super().__init__()
        self.features = nn.Sequential(
            *conv_bn_relu(1, 16), *conv_bn_relu(16, 16), nn.MaxPool2d(2),
            *conv_bn_relu(16, 32), *conv_bn_relu(32, 32), nn.MaxPool2d(2),
            *conv_bn_relu(32, 64),
        )
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = self.pool(self.features(x))
        return self.fc(self.dropout(torch.flatten(x, 1)))


def macs_per_image(model):
    """Multiply-accumulates of convolutions and linear layers for one 28x28 image."""
    total, hooks = [0], []

    def conv_hook(m, _inp, out):
        total[0] += out.numel() // out.shape[0] * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]

    def fc_hook(m, _inp, out):
        total[0] += m.in_features * m.out_features

    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            hooks.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            hooks.append(m.register_forward_hook(fc_hook))
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 1, 28, 28))
    for h in hooks:
        h.remove()
    return total[0]


def augment(x, gen):
    """Random horizontal flip and random shift by up to 2 pixels (zero-padded in pixel space)."""
    n = x.shape[0]
    flip = torch.rand(n, generator=gen) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    bg = -MEAN / STD  # a black pixel after normalisation
    padded = F.pad(x, (2, 2, 2, 2), value=bg)
    dx = torch.randint(0, 5, (n,), generator=gen)
    dy = torch.randint(0, 5, (n,), generator=gen)
    out = torch.empty_like(x)
    for i in range(n):
        out[i] = padded[i, :, dy[i]:dy[i] + 28, dx[i]:dx[i] + 28]
    return out


@torch.no_grad()
def evaluate(model, x, y, batch=1000):
    """Top-1, top-5 accuracy and mean cross-entropy over (x, y)."""
    model.eval()
    top1 = top5 = 0
    loss = 0.0
    for i in range(0, x.shape[0], batch):
        logits = model(x[i:i + batch])
        t = y[i:i + batch]
        loss += F.cross_entropy(logits, t, reduction="sum").item()
        top = logits.topk(5, dim=1).indices
        top1 += (top[:, 0] == t).sum().item()
        top5 += (top == t[:, None]).any(dim=1).sum().item()
    n = x.shape[0]
    return {"n": n, "top1": top1 / n, "top5": top5 / n, "loss": loss / n}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data_dir", help="folder of the full Fashion-MNIST IDX files")
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--weight-decay", type=float, default=5e-4)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=HERE)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(SEED)
    np.random.seed(SEED)
    gen = torch.Generator().manual_seed(SEED)

    xtr, ytr = load_split(args.data_dir, "train")
    xte, yte = load_split(args.data_dir, "t10k")
    xsl, ysl = load_split(SLICE_DIR, "t10k")
    assert torch.equal(xsl, xte[: xsl.shape[0]]), "committed slice is not the head of the test set"
    print(f"train {tuple(xtr.shape)} test {tuple(xte.shape)} slice {tuple(xsl.shape)}")

    model = FashionVGG()
    macs = macs_per_image(model)
    params = sum(p.numel() for p in model.parameters())
    print(f"params {params}, MACs/image {macs}")

    steps_per_epoch = (xtr.shape[0] + args.batch_size - 1) // args.batch_size
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True,
                          weight_decay=args.weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, epochs=args.epochs,
                                                steps_per_epoch=steps_per_epoch, pct_start=0.2)
    history = []
    t0 = time.time()
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(xtr.shape[0], generator=gen)
        run_loss = run_correct = 0.0
        for i in range(0, xtr.shape[0], args.batch_size):
            idx = perm[i:i + args.batch_size]
            xb, yb = augment(xtr[idx], gen), ytr[idx]
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            run_loss += loss.item() * yb.shape[0]
            run_correct += (logits.argmax(1) == yb).sum().item()
        te = evaluate(model, xte, yte)
        rec = {"epoch": epoch + 1, "train_loss": run_loss / xtr.shape[0],
               "train_top1": run_correct / xtr.shape[0], "test_top1": te["top1"],
               "test_loss": te["loss"], "elapsed_s": round(time.time() - t0, 1)}
        history.append(rec)
        print(json.dumps(rec), flush=True)
    train_seconds = time.time() - t0

    model.eval()
    full = evaluate(model, xte, yte)
    sl = evaluate(model, xsl, ysl)
    print("full test:", full, "slice:", sl)

    onnx_path = os.path.join(args.out, "fashion-vgg.onnx")
    tmp = onnx_path + ".tmp"
    # PRESERVE (model is in eval mode) keeps BatchNormalization as its own inference-mode node
    # instead of folding it into the preceding Conv, so the graph matches the PyTorch model.
    # torch warns about constant folding in PRESERVE mode; that concerns training-mode models.
    warnings.filterwarnings("ignore", message="It is recommended that constant folding be turned off")
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), tmp, opset_version=13,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
                      training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=True)
    os.replace(tmp, onnx_path)

    import onnx
    m = onnx.load(onnx_path)
    onnx.checker.check_model(m, full_check=True)
    op_types = sorted({n.op_type for n in m.graph.node})
    print("onnx ops:", op_types)

    # Reference example for the TypeScript executor: first two slice test images + logits.
    with torch.no_grad():
        ex_logits = model(xsl[:2])
    io = {"input": {"shape": list(xsl[:2].shape), "data": [float(v) for v in xsl[:2].numpy().ravel()]},
          "output": {"shape": list(ex_logits.shape), "data": [float(v) for v in ex_logits.numpy().ravel()]}}
    io_path = os.path.join(args.out, "fashion-vgg.io.json")
    with open(io_path + ".tmp", "w") as f:
        json.dump(io, f)
        f.write("\n")
    os.replace(io_path + ".tmp", io_path)

    # Independent check of the export: run the ONNX graph with the float64 NumPy interpreter on
    # the whole 1000-image slice and compare logits and accuracy with PyTorch.
    import onnx_numpy_ref
    with torch.no_grad():
        torch_logits = torch.cat([model(xsl[i:i + 250]) for i in range(0, xsl.shape[0], 250)]).numpy()
    ref_logits = np.concatenate([onnx_numpy_ref.run(m, {"input": xsl[i:i + 100].numpy()})["logits"]
                                 for i in range(0, xsl.shape[0], 100)])
    onnx_diff = float(np.abs(ref_logits - torch_logits).max())
    ref_top1 = float((ref_logits.argmax(1) == ysl.numpy()).mean())
    print(f"numpy ONNX reference on slice: max |logit diff| {onnx_diff:.3g}, top1 {ref_top1}")
    assert onnx_diff <= onnx_numpy_ref.ABS_TOL, "exported ONNX disagrees with PyTorch"

    meta = {
        "name": "fashion-vgg",
        "file": "fashion-vgg.onnx",
        "dataset": "Fashion-MNIST (Zalando Research, MIT licence; Debian package dataset-fashion-mnist)",
        "input": {"name": "input", "shape": ["N", 1, 28, 28], "layout": "NCHW", "dtype": "float32"},
        "output": {"name": "logits", "shape": ["N", 10], "meaning": "unnormalised class scores"},
        "normalisation": {"formula": "(pixel / 255 - mean) / std", "mean": [MEAN], "std": [STD]},
        "architecture": [
            "conv3x3(1->16, pad 1, no bias)-BN-ReLU", "conv3x3(16->16)-BN-ReLU", "maxpool2",
            "conv3x3(16->32)-BN-ReLU", "conv3x3(32->32)-BN-ReLU", "maxpool2",
            "conv3x3(32->64)-BN-ReLU", "global average pool", "dropout(0.2)", "linear(64->10)",
        ],
        "onnx": {"opset": 13, "op_types": op_types,
                 "batchnorm": "kept as BatchNormalization nodes (inference mode), not folded into Conv"},
        "onnx_check": {
            "checker": "onnx.checker.check_model(full_check=True) passed",
            "numpy_reference_slice_max_abs_logit_diff": onnx_diff,
            "numpy_reference_slice_top1": ref_top1,
            "note": "float64 NumPy interpreter of the ONNX graph (test/fixtures/onnx_numpy_ref.py) "
                    "vs PyTorch float32 on the 1000-image slice; no ONNX runtime in Debian's Python",
        },
        "example": "fashion-vgg.io.json: slice test images 0 and 1 and PyTorch's logits",
        "parameters": params,
        "macs_per_image": macs,
        "accuracy": {"pytorch_full_test": full, "pytorch_test_slice_first_1000": sl},
        "training": {
            "train_set": "full training set, 60000 images",
            "optimizer": "SGD", "momentum": 0.9, "nesterov": True,
            "weight_decay": args.weight_decay, "batch_size": args.batch_size,
            "epochs": args.epochs,
            "lr_schedule": f"OneCycleLR(max_lr={args.lr}, pct_start=0.2, cosine anneal), stepped per batch",
            "augmentation": "random horizontal flip, random shift up to 2 px (zero-padded)",
            "seed": SEED, "threads": args.threads,
            "train_seconds": round(train_seconds, 1),
            "history": history,
        },
        "versions": {"torch": torch.__version__, "onnx": onnx.__version__,
                     "numpy": np.__version__, "python": platform.python_version()},
        "generated_by": "models/train_fashion_vgg.py",
    }
    meta_path = os.path.join(args.out, "fashion-vgg.meta.json")
    with open(meta_path + ".tmp", "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    os.replace(meta_path + ".tmp", meta_path)
    print("wrote", onnx_path, os.path.getsize(onnx_path), "bytes;", meta_path)


if __name__ == "__main__":
    main()
