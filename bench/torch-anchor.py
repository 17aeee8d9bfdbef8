#!/usr/bin/python3
"""The PyTorch CPU anchor of `npm run bench` (bench/anchors.ts runs it when Debian's
/usr/bin/python3 has torch and onnx; the product and CI never need it).

    /usr/bin/python3 bench/torch-anchor.py MODEL.onnx --mode train|eval [--winograd T]
        [--batch 128] [--steps 8] [--threads 2] [--warmup 2] [--height H --width W --channels C]

Rebuilds the ONNX graph as a PyTorch module with the file's weights (Conv, BatchNormalization,
Relu, MaxPool, AveragePool, GlobalAveragePool, Flatten, Reshape, Gemm, MatMul, Add, Dropout,
Identity: the ops of the bundled model and of the benchmark nets), so PyTorch runs the same
model swprune does. `--mode train` times training steps as `swprune spatial` runs them: SGD
(momentum 0.9, weight decay 5e-4), softmax cross-entropy, training-mode batch norm. With
`--winograd T` every 3x3 stride-1 convolution becomes a plain PyTorch Winograd layer whose
parameter is the Winograd-domain weight W = G g G^T (as `swprune winograd` converts them):
tiles cut with F.unfold, transforms as Kronecker products (kron(B^T, B^T), kron(A^T, A^T)), the
per-position products as one torch.bmm, autograd for the backward pass. `--mode eval` times
inference (torch.no_grad, eval mode). Inputs are random: speed does not depend on the values.
Prints one JSON object: examples/s, seconds per step, threads, torch version.
"""
import argparse
import json
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import numpy_helper

# Lavin & Gray's matrices (docs/winograd.md), by input tile size T: (B^T, G, A^T).
TILES = {
    4: (
        [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]],
        [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]],
        [[1, 1, 1, 0], [0, 1, -1, -1]],
    ),
    6: (
        [[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0], [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]],
        [[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6], [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]],
        [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]],
    ),
}


class WinogradConv(nn.Module):
    """Stride-1 3x3 convolution computed as F(m x m, 3x3) with a trainable Winograd-domain weight."""

    def __init__(self, g, bias, pads, T):
        super().__init__()
        bt, gm, at = (torch.tensor(m, dtype=torch.float64) for m in TILES[T])
        self.T, self.m = T, T - 2
        self.pads = pads  # top, left, bottom, right
        w = torch.einsum('ik,ockl,jl->ocij', gm, g.double(), gm).float()  # G g G^T
        self.weight = nn.Parameter(w.reshape(w.shape[0], w.shape[1], T * T).permute(2, 1, 0).contiguous())  # [T*T, Cin, Cout]
        self.bias = nn.Parameter(bias.clone()) if bias is not None else None
        self.register_buffer('kb', torch.kron(bt, bt).float())  # [T*T, T*T]
        self.register_buffer('ka', torch.kron(at, at).float())  # [m*m, T*T]

    def forward(self, x):
        n, c, h, w = x.shape
        T, m = self.T, self.m
        top, left, bottom, right = self.pads
        oh, ow = h + top + bottom - 2, w + left + right - 2
        th, tw = -(-oh // m), -(-ow // m)
        x = F.pad(x, (left, tw * m + 2 - w - left, top, th * m + 2 - h - top))
        d = F.unfold(x, T, stride=m)  # [N, C*T*T, P1]
        p1 = d.shape[2]
        d = d.reshape(n, c, T * T, p1).permute(2, 0, 3, 1).reshape(T * T, n * p1 * c)
        v = (self.kb @ d).reshape(T * T, n * p1, c)
        mm = torch.bmm(v, self.weight)  # [T*T, P, Cout]
        cout = mm.shape[2]
        y = (self.ka @ mm.reshape(T * T, -1)).reshape(m, m, n, th, tw, cout)
        y = y.permute(2, 5, 3, 0, 4, 1).reshape(n, cout, th * m, tw * m)[:, :, :oh, :ow]
        return y if self.bias is None else y + self.bias.view(1, -1, 1, 1)


def attr(node, name, default=None):
    for a in node.attribute:
        if a.name == name:
            return onnx.helper.get_attribute_value(a)
    return default


class OnnxModule(nn.Module):
    """The ONNX graph as a module: one submodule (or function) per node, run in file order."""

    def __init__(self, model, winograd):
        super().__init__()
        init = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in model.graph.initializer}
        self.input = model.graph.input[0].name
        self.output = model.graph.output[0].name
        self.steps = []
        self.mods = nn.ModuleDict()
        for i, node in enumerate(model.graph.node):
            key = f'n{i}'
            op = node.op_type
            ins = [n for n in node.input]
            if op == 'Conv':
                wt = init[ins[1]]
                bias = init[ins[2]] if len(ins) > 2 and ins[2] else None
                k = list(wt.shape[2:])
                strides = list(attr(node, 'strides', [1, 1]))
                pads = list(attr(node, 'pads', [0, 0, 0, 0]))
                group = attr(node, 'group', 1)
                if winograd and k == [3, 3] and strides == [1, 1] and group == 1:
                    self.mods[key] = WinogradConv(wt, bias, pads, winograd)
                else:
                    conv = nn.Conv2d(wt.shape[1] * group, wt.shape[0], k, stride=strides, groups=group, bias=bias is not None)
                    conv.weight.data.copy_(wt)
                    if bias is not None:
                        conv.bias.data.copy_(bias)
                    top, left, bottom, right = pads
                    self.mods[key] = nn.Sequential(nn.ZeroPad2d((left, right, top, bottom)), conv) if pads != [0, 0, 0, 0] else conv
                self.steps.append((key, [ins[0]], node.output[0]))
            elif op == 'BatchNormalization':
                c = init[ins[1]].shape[0]
                bn = nn.BatchNorm2d(c, eps=attr(node, 'epsilon', 1e-5), momentum=1 - attr(node, 'momentum', 0.9))
                bn.weight.data.copy_(init[ins[1]])
                bn.bias.data.copy_(init[ins[2]])
                bn.running_mean.copy_(init[ins[3]])
                bn.running_var.copy_(init[ins[4]])
                self.mods[key] = bn
                self.steps.append((key, [ins[0]], node.output[0]))
            elif op == 'Gemm':
                wt = init[ins[1]]
                if not attr(node, 'transB', 0):
                    wt = wt.t()
                lin = nn.Linear(wt.shape[1], wt.shape[0], bias=len(ins) > 2)
                lin.weight.data.copy_(wt)
                if len(ins) > 2:
                    lin.bias.data.copy_(init[ins[2]])
                self.mods[key] = lin
                self.steps.append((key, [ins[0]], node.output[0]))
            elif op == 'MaxPool' or op == 'AveragePool':
                k = list(attr(node, 'kernel_shape'))
                s = list(attr(node, 'strides', k))
                pads = list(attr(node, 'pads', [0, 0, 0, 0]))
                cls = nn.MaxPool2d if op == 'MaxPool' else nn.AvgPool2d
                self.mods[key] = cls(k, s, padding=pads[:2])
                self.steps.append((key, [ins[0]], node.output[0]))
            elif op in ('Relu', 'GlobalAveragePool', 'Flatten', 'Dropout', 'Identity', 'Add', 'Reshape', 'MatMul'):
                fn = {
                    'Relu': F.relu,
                    'GlobalAveragePool': lambda x: x.mean((2, 3), keepdim=True),
                    'Flatten': lambda x: x.flatten(1),
                    'Dropout': lambda x: x,
                    'Identity': lambda x: x,
                    'Add': lambda a, b: a + b,
                    'Reshape': lambda x, *_: x.flatten(1),
                    'MatMul': lambda a, b: a @ b,
                }[op]
                consts = {n: init[n] for n in ins if n in init}
                self.steps.append((fn, ins if op in ('Add', 'MatMul') else [ins[0]], node.output[0], consts))
            else:
                raise SystemExit(f'torch-anchor: ONNX op {op} is not supported here')

    def forward(self, x):
        values = {self.input: x}
        for step in self.steps:
            f, ins, out = step[0], step[1], step[2]
            consts = step[3] if len(step) > 3 else {}
            args = [consts[n] if n in consts else values[n] for n in ins]
            values[out] = self.mods[f](*args) if isinstance(f, str) else f(*args)
        return values[self.output]


def main():
    p = argparse.ArgumentParser()
    p.add_argument('model')
    p.add_argument('--mode', choices=['train', 'eval'], default='train')
    p.add_argument('--winograd', type=int, default=0)
    p.add_argument('--batch', type=int, default=128)
    p.add_argument('--steps', type=int, default=8)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--seconds', type=float, default=0, help='run at least this long (more steps if needed)')
    p.add_argument('--warmup', type=int, default=2, help='untimed steps first (0: time from the first step, as an epoch does)')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = onnx.load(a.model)
    dims = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim][1:]
    net = OnnxModule(model, a.winograd)
    x = torch.randn(a.batch, *dims)
    with torch.no_grad():
        classes = net.eval()(x[:1]).shape[1]
    y = torch.randint(0, classes, (a.batch,))
    if a.mode == 'train':
        net.train()
        opt = torch.optim.SGD(net.parameters(), lr=0.001, momentum=0.9, weight_decay=5e-4)

        def step():
            opt.zero_grad()
            loss = F.cross_entropy(net(x), y)
            loss.backward()
            opt.step()
            return loss.item()
    else:
        net.eval()

        def step():
            with torch.no_grad():
                return net(x)[0, 0].item()

    for _ in range(a.warmup):
        step()
    steps = 0
    t0 = time.perf_counter()
    while steps < a.steps or time.perf_counter() - t0 < a.seconds:
        step()
        steps += 1
    dt = time.perf_counter() - t0
    json.dump({'examplesPerSecond': a.batch * steps / dt, 'secondsPerStep': dt / steps, 'steps': steps, 'batch': a.batch,
               'threads': torch.get_num_threads(), 'mode': a.mode, 'winograd': a.winograd, 'torch': torch.__version__}, sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
