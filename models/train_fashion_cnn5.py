#!/usr/bin/env python3
"""Train the second study network, a plain 5-layer CNN for Fashion-MNIST, and export it to ONNX.

conv16-conv16-pool-conv32-conv32-pool-fc128-fc10: 3x3 convolutions with padding 1 and a bias,
ReLU after each, no batch normalisation, 2x2 max pooling. It is the network step 2's defaults
are checked on besides the bundled model (issue 29): unlike fashion-vgg it has no BatchNorm, so
its convolution weights carry their own scale, and it ends in two linear layers.

Reads the IDX files (gzipped or plain) from DATA_DIR (the full dataset, e.g. from the Debian
package dataset-fashion-mnist), trains on the full 60,000-image training set and writes, next to
this script (or --out DIR):

  fashion-cnn5.onnx       opset 13, input `input` [N,1,28,28] (normalised), output `logits` [N,10]
  fashion-cnn5.meta.json  architecture, normalisation, accuracy, training settings, versions

Usage: /usr/bin/python3 models/train_fashion_cnn5.py DATA_DIR [--epochs 2] [--threads 1]

Data loading, augmentation, evaluation and the seed are those of train_fashion_vgg.py (imported).
Deterministic for a given seed, torch version and thread count.
"""
import argparse
import json
import os
import platform
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from train_fashion_vgg import MEAN, STD, SEED, SLICE_DIR, load_split, augment, evaluate, macs_per_image  # noqa: E402


class FashionCNN5(nn.Module):
    """conv(1->16) conv(16->16) pool conv(16->32) conv(32->32) pool fc(1568->128) fc(128->10)."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(16, 16, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
        )
        self.fc1 = nn.Linear(32 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = torch.flatten(self.features(x), 1)
        return self.fc2(F.relu(self.fc1(x)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data_dir", help="folder of the full Fashion-MNIST IDX files")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--weight-decay", type=float, default=5e-4)
    ap.add_argument("--threads", type=int, default=1)
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

    model = FashionCNN5()
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

    onnx_path = os.path.join(args.out, "fashion-cnn5.onnx")
    tmp = onnx_path + ".tmp"
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), tmp, opset_version=13,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
    os.replace(tmp, onnx_path)

    import onnx
    m = onnx.load(onnx_path)
    onnx.checker.check_model(m, full_check=True)
    op_types = sorted({n.op_type for n in m.graph.node})
    print("onnx ops:", op_types)

    # Independent check of the export (as for fashion-vgg): the float64 NumPy interpreter of
    # the ONNX graph against PyTorch on the 1000-image slice.
    sys.path.insert(0, os.path.join(os.path.dirname(HERE), "test", "fixtures"))
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
        "name": "fashion-cnn5",
        "file": "fashion-cnn5.onnx",
        "dataset": "Fashion-MNIST (Zalando Research, MIT licence; Debian package dataset-fashion-mnist)",
        "input": {"name": "input", "shape": ["N", 1, 28, 28], "layout": "NCHW", "dtype": "float32"},
        "output": {"name": "logits", "shape": ["N", 10], "meaning": "unnormalised class scores"},
        "normalisation": {"formula": "(pixel / 255 - mean) / std", "mean": [MEAN], "std": [STD]},
        "architecture": [
            "conv3x3(1->16, pad 1, bias)-ReLU", "conv3x3(16->16)-ReLU", "maxpool2",
            "conv3x3(16->32)-ReLU", "conv3x3(32->32)-ReLU", "maxpool2",
            "flatten", "linear(1568->128)-ReLU", "linear(128->10)",
        ],
        "batchnorm": "none",
        "onnx": {"opset": 13, "op_types": op_types},
        "onnx_check": {"checker": "onnx.checker.check_model(full_check=True) passed",
                       "numpy_reference_slice_max_abs_logit_diff": onnx_diff,
                       "numpy_reference_slice_top1": ref_top1},
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
        "generated_by": "models/train_fashion_cnn5.py",
    }
    meta_path = os.path.join(args.out, "fashion-cnn5.meta.json")
    with open(meta_path + ".tmp", "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    os.replace(meta_path + ".tmp", meta_path)
    print("wrote", onnx_path, os.path.getsize(onnx_path), "bytes;", meta_path)


if __name__ == "__main__":
    main()
