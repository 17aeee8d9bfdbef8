"""Which op runs how: one torch mapping per op of swprune's executor (src/exec/op-table.ts,
docs/models.md), as a table. Each entry builds a kernel for one graph node:
`build(node, net) -> run(args, training) -> [outputs]`, where args are torch tensors (float32,
or int64 for shape arithmetic; None for an omitted optional input) in logical (ONNX, NCHW)
layout. `net` gives parameters (`net.value(name)`), attributes and the Winograd tiles."""
import math

import torch
import torch.nn.functional as F

from .norm import batch_norm
from .winograd import winograd_conv


def attr(node, name, default=None):
    return node['attrs'].get(name, default)


def ints(t):
    """An int tensor (a shape, axes) as a list of Python ints."""
    return [int(v) for v in t.reshape(-1).tolist()]


def same_pads(size, k, s, d, lower):
    """ONNX SAME_UPPER / SAME_LOWER padding of one axis: (before, after)."""
    total = max((math.ceil(size / s) - 1) * s + (k - 1) * d + 1 - size, 0)
    small = total // 2
    return (total - small, small) if lower else (small, total - small)


def spatial_pads(node, shape, kernel, strides, dilations):
    """[top, left, bottom, right] from pads or auto_pad (as src/exec/ops/conv.ts)."""
    auto = attr(node, 'auto_pad', 'NOTSET')
    if auto == 'VALID':
        return [0, 0, 0, 0]
    if auto in ('SAME_UPPER', 'SAME_LOWER'):
        h = same_pads(shape[2], kernel[0], strides[0], dilations[0], auto == 'SAME_LOWER')
        w = same_pads(shape[3], kernel[1], strides[1], dilations[1], auto == 'SAME_LOWER')
        return [h[0], w[0], h[1], w[1]]
    p = list(attr(node, 'pads', [0, 0, 0, 0]))
    return p if len(p) == 4 else [0, 0, 0, 0]


def conv(node, net):
    w = net.value(node['inputs'][1])
    group = attr(node, 'group', 1)
    strides = list(attr(node, 'strides', [1, 1]))
    dilations = list(attr(node, 'dilations', [1, 1]))
    kernel = list(w.shape[2:])

    def run(a, training):
        x, weight = a[0], a[1]
        bias = a[2] if len(a) > 2 else None
        t, l, b, r = spatial_pads(node, x.shape, kernel, strides, dilations)
        if t == b and l == r:
            return [F.conv2d(x, weight, bias, strides, (t, l), dilations, group)]
        return [F.conv2d(F.pad(x, (l, r, t, b)), weight, bias, strides, 0, dilations, group)]
    return run


def pool(kind):
    def build(node, net):
        kernel = list(attr(node, 'kernel_shape'))
        strides = list(attr(node, 'strides', [1] * len(kernel)))
        dilations = list(attr(node, 'dilations', [1] * len(kernel)))
        ceil = bool(attr(node, 'ceil_mode', 0))
        include = bool(attr(node, 'count_include_pad', 0))

        def run(a, training):
            x = a[0]
            t, l, b, r = spatial_pads(node, x.shape, kernel, strides, dilations)
            symmetric = t == b and l == r and t <= kernel[0] // 2 and l <= kernel[1] // 2
            if kind == 'max':
                if symmetric:
                    return [F.max_pool2d(x, kernel, strides, (t, l), dilations, ceil)]
                return [F.max_pool2d(F.pad(x, (l, r, t, b), value=-math.inf), kernel, strides, 0, dilations, ceil)]
            if symmetric:
                return [F.avg_pool2d(x, kernel, strides, (t, l), ceil, include)]
            padded = F.pad(x, (l, r, t, b))
            total = F.avg_pool2d(padded, kernel, strides, 0, ceil, True) * (kernel[0] * kernel[1])
            if include:
                return [total / (kernel[0] * kernel[1])]
            count = F.avg_pool2d(F.pad(torch.ones_like(x[:1, :1]), (l, r, t, b)), kernel, strides, 0, ceil, True) * (kernel[0] * kernel[1])
            return [total / count]
        return run
    return build


def gemm(node, net):
    alpha, beta = attr(node, 'alpha', 1.0), attr(node, 'beta', 1.0)
    ta, tb = attr(node, 'transA', 0), attr(node, 'transB', 0)

    def run(a, training):
        x, w = a[0], a[1]
        x = x.t() if ta else x
        w = w.t() if tb else w
        y = x @ w
        if alpha != 1:
            y = y * alpha
        if len(a) > 2 and a[2] is not None:
            y = y + (a[2] * beta if beta != 1 else a[2])
        return [y]
    return run


def elementwise(f):
    return lambda node, net: (lambda a, training: [f(*a)])


def unary(f):
    return lambda node, net: (lambda a, training: [f(a[0], node)])


def gelu(x, node):
    return F.gelu(x, approximate='tanh' if attr(node, 'approximate', 'none') == 'tanh' else 'none')


def celu(x, node):
    alpha = attr(node, 'alpha', 1.0)
    return F.relu(x) + alpha * (torch.exp(torch.clamp(x, max=0) / alpha) - 1)


def elu(x, node):
    alpha = attr(node, 'alpha', 1.0)
    return F.relu(x) + alpha * (torch.exp(torch.clamp(x, max=0)) - 1)


ACTIVATIONS = {
    'Relu': lambda x, n: F.relu(x),
    'LeakyRelu': lambda x, n: F.leaky_relu(x, attr(n, 'alpha', 0.01)),
    'Elu': elu,
    'Selu': lambda x, n: attr(n, 'gamma', 1.05070102214813232421875) * elu(x, {'attrs': {'alpha': attr(n, 'alpha', 1.67326319217681884765625)}}),
    'Celu': celu,
    'ThresholdedRelu': lambda x, n: x * (x > attr(n, 'alpha', 1.0)).to(x.dtype),
    'Sigmoid': lambda x, n: torch.sigmoid(x),
    'HardSigmoid': lambda x, n: torch.clamp(x * attr(n, 'alpha', 0.2) + attr(n, 'beta', 0.5), 0, 1),
    'HardSwish': lambda x, n: x * torch.clamp(x / 6 + 0.5, 0, 1),
    'Tanh': lambda x, n: torch.tanh(x),
    'Softplus': lambda x, n: F.softplus(x),
    'Softsign': lambda x, n: x / (x.abs() + 1),
    'Mish': lambda x, n: x * torch.tanh(F.softplus(x)),
    'Gelu': gelu,
    'Erf': lambda x, n: torch.erf(x),
    'Exp': lambda x, n: torch.exp(x),
    'Log': lambda x, n: torch.log(x),
    'Sqrt': lambda x, n: torch.sqrt(x),
    'Reciprocal': lambda x, n: torch.reciprocal(x),
    'Neg': lambda x, n: -x,
    'Abs': lambda x, n: x.abs(),
}


def div(a, b):
    if a.dtype.is_floating_point or b.dtype.is_floating_point:
        return a / b
    return torch.div(a, b, rounding_mode='trunc')


def variadic(f):
    def run(*a):
        out = a[0]
        for x in a[1:]:
            out = f(out, x)
        return out
    return run


def clip(node, net):
    def run(a, training):
        lo = a[1] if len(a) > 1 and a[1] is not None else None
        hi = a[2] if len(a) > 2 and a[2] is not None else None
        return [torch.clamp(a[0], min=None if lo is None else float(lo), max=None if hi is None else float(hi))]
    return run


def softmax(log):
    def build(node, net):
        def run(a, training):
            x = a[0]
            if net.opset >= 13:
                axis = attr(node, 'axis', -1)
                return [F.log_softmax(x, axis) if log else F.softmax(x, axis)]
            axis = attr(node, 'axis', 1) % x.dim()
            flat = x.reshape(int(math.prod(x.shape[:axis])), -1)
            y = F.log_softmax(flat, 1) if log else F.softmax(flat, 1)
            return [y.reshape(x.shape)]
        return run
    return build


def dropout(node, net):
    def run(a, training):
        ratio = float(a[1]) if len(a) > 1 and a[1] is not None else attr(node, 'ratio', 0.5)
        y = F.dropout(a[0], ratio, training) if training and ratio > 0 else a[0]
        return [y, torch.ones_like(a[0], dtype=torch.bool)]
    return run


def reduce_op(op):
    def build(node, net):
        keep = bool(attr(node, 'keepdims', 1))
        noop = bool(attr(node, 'noop_with_empty_axes', 0))

        def run(a, training):
            x = a[0]
            axes = ints(a[1]) if len(a) > 1 and a[1] is not None else list(attr(node, 'axes', []))
            if not axes:
                if noop:
                    return [x]
                axes = list(range(x.dim()))
            axes = sorted(ax % x.dim() for ax in axes)
            f = {
                'ReduceMean': lambda t: t.mean(axes, keepdim=keep),
                'ReduceSum': lambda t: t.sum(axes, keepdim=keep),
                'ReduceMax': lambda t: t.amax(axes, keepdim=keep),
                'ReduceMin': lambda t: t.amin(axes, keepdim=keep),
                'ReduceProd': lambda t: prod(t, axes, keep),
                'ReduceL1': lambda t: t.abs().sum(axes, keepdim=keep),
                'ReduceL2': lambda t: torch.sqrt((t * t).sum(axes, keepdim=keep)),
                'ReduceLogSum': lambda t: torch.log(t.sum(axes, keepdim=keep)),
                'ReduceLogSumExp': lambda t: torch.logsumexp(t, axes, keepdim=keep),
                'ReduceSumSquare': lambda t: (t * t).sum(axes, keepdim=keep),
            }[op]
            return [f(x)]
        return run
    return build


def prod(t, axes, keep):
    for ax in sorted(axes, reverse=True):
        t = t.prod(ax, keepdim=keep)
    return t


def constant(node, net):
    value = net.constant_attr(node)
    return lambda a, training: [value]


def shape(node, net):
    def run(a, training):
        dims = list(a[0].shape)
        start, end = attr(node, 'start', 0), attr(node, 'end', None)
        return [torch.tensor(dims[start:end], dtype=torch.int64)]
    return run


def gather(node, net):
    axis = attr(node, 'axis', 0)

    def run(a, training):
        x, idx = a[0], a[1].long()
        ax = axis % x.dim()
        i = torch.where(idx < 0, idx + x.shape[ax], idx)
        out = x.index_select(ax, i.reshape(-1))
        return [out.reshape(list(x.shape[:ax]) + list(idx.shape) + list(x.shape[ax + 1:]))]
    return run


def unsqueeze(node, net):
    def run(a, training):
        x = a[0]
        axes = ints(a[1]) if len(a) > 1 and a[1] is not None else list(attr(node, 'axes'))
        rank = x.dim() + len(axes)
        for ax in sorted(ax % rank for ax in axes):
            x = x.unsqueeze(ax)
        return [x]
    return run


def squeeze(node, net):
    def run(a, training):
        x = a[0]
        axes = ints(a[1]) if len(a) > 1 and a[1] is not None else attr(node, 'axes')
        if axes is None:
            axes = [i for i, d in enumerate(x.shape) if d == 1]
        for ax in sorted((ax % x.dim() for ax in axes), reverse=True):
            x = x.squeeze(ax)
        return [x]
    return run


def concat(node, net):
    axis = attr(node, 'axis')

    def run(a, training):
        xs = [x for x in a if x is not None and x.numel() > 0] or [a[0]]
        dtype = torch.float32 if any(x.dtype.is_floating_point for x in xs) else xs[0].dtype
        return [torch.cat([x.to(dtype) for x in xs], axis % xs[0].dim())]
    return run


def reshape(node, net):
    allowzero = attr(node, 'allowzero', 0)

    def run(a, training):
        x = a[0]
        target = ints(a[1])
        if not allowzero:
            target = [x.shape[i] if d == 0 else d for i, d in enumerate(target)]
        return [x.reshape(target)]
    return run


def flatten(node, net):
    axis = attr(node, 'axis', 1)

    def run(a, training):
        x = a[0]
        ax = axis % x.dim() if x.dim() else 0
        return [x.reshape(int(math.prod(x.shape[:ax])), -1)]
    return run


def transpose(node, net):
    def run(a, training):
        x = a[0]
        perm = attr(node, 'perm', list(range(x.dim()))[::-1])
        return [x.permute(*perm)]
    return run


def expand(node, net):
    def run(a, training):
        x = a[0]
        target = torch.broadcast_shapes(tuple(x.shape), tuple(ints(a[1])))
        return [x.expand(target)]
    return run


def slice_op(node, net):
    def run(a, training):
        x = a[0]
        starts, ends = ints(a[1]), ints(a[2])
        axes = ints(a[3]) if len(a) > 3 and a[3] is not None else list(range(len(starts)))
        steps = ints(a[4]) if len(a) > 4 and a[4] is not None else [1] * len(starts)
        for s, e, ax, st in zip(starts, ends, axes, steps):
            ax %= x.dim()
            n = x.shape[ax]
            if st > 0:
                s = min(max(s + n if s < 0 else s, 0), n)
                e = min(max(e + n if e < 0 else e, 0), n)
                x = x.narrow(ax, s, max(e - s, 0))
                if st != 1:
                    x = x.index_select(ax, torch.arange(0, x.shape[ax], st))
            else:
                s = min(max(s + n if s < 0 else s, -1), n - 1)
                e = min(max(e + n if e < 0 else e, -1), n - 1)
                idx = torch.arange(s, e, st)
                x = x.index_select(ax, idx)
        return [x]
    return run


def split(node, net):
    axis = attr(node, 'axis', 0)
    count = len(node['outputs'])

    def run(a, training):
        x = a[0]
        ax = axis % x.dim()
        sizes = ints(a[1]) if len(a) > 1 and a[1] is not None else attr(node, 'split')
        if sizes is None:
            n = x.shape[ax]
            each = -(-n // count)
            sizes = [min(each, n - i * each) for i in range(count)]
        return list(torch.split(x, list(sizes), ax))
    return run


def tile(node, net):
    return lambda a, training: [a[0].repeat(*ints(a[1]))]


# ONNX TensorProto data types by kind.
FLOAT_TYPES = {1, 10, 11, 16}
BOOL_TYPE = 9


def cast(node, net):
    to = attr(node, 'to')

    def run(a, training):
        x = a[0]
        if to in FLOAT_TYPES:
            return [x.to(torch.float32)]
        if to == BOOL_TYPE:
            return [x != 0]
        return [x.to(torch.int64) if not x.dtype.is_floating_point else torch.trunc(x).to(torch.int64)]
    return run


def constant_of_shape(node, net):
    value = net.constant_attr(node, 'value')

    def run(a, training):
        v = value if value is not None else torch.zeros(1)
        return [v.reshape(-1)[0].expand(ints(a[0])).clone()]
    return run


def pad(node, net):
    mode = attr(node, 'mode', 'constant')

    def run(a, training):
        x = a[0]
        pads = ints(a[1])
        value = float(a[2]) if len(a) > 2 and a[2] is not None and a[2].numel() else 0.0
        r = x.dim()
        tp = []
        for ax in reversed(range(r)):
            tp += [pads[ax], pads[ax + r]]
        while len(tp) > 2 and tp[-1] == 0 and tp[-2] == 0:
            tp = tp[:-2]
        if mode == 'constant':
            return [F.pad(x, tp, value=value)]
        return [F.pad(x, tp, mode={'reflect': 'reflect', 'edge': 'replicate'}[mode])]
    return run


def prelu(node, net):
    return lambda a, training: [torch.where(a[0] >= 0, a[0], a[0] * a[1])]


def global_pool(f):
    return lambda node, net: (lambda a, training: [f(a[0], list(range(2, a[0].dim())))])


OPS = {
    'Conv': conv,
    'ai.swprune/WinogradConv': winograd_conv,
    'BatchNormalization': batch_norm,
    'MaxPool': pool('max'),
    'AveragePool': pool('avg'),
    'GlobalAveragePool': global_pool(lambda x, d: x.mean(d, keepdim=True)),
    'GlobalMaxPool': global_pool(lambda x, d: x.amax(d, keepdim=True)),
    'Gemm': gemm,
    'MatMul': elementwise(torch.matmul),
    **{op: unary(f) for op, f in ACTIVATIONS.items()},
    'PRelu': prelu,
    'Clip': clip,
    'Add': elementwise(torch.add),
    'Sub': elementwise(torch.sub),
    'Mul': elementwise(torch.mul),
    'Div': elementwise(div),
    'Pow': elementwise(lambda a, b: torch.pow(a, b.to(a.dtype))),
    'Max': elementwise(variadic(torch.maximum)),
    'Min': elementwise(variadic(torch.minimum)),
    'Sum': elementwise(variadic(torch.add)),
    'Softmax': softmax(False),
    'LogSoftmax': softmax(True),
    'Dropout': dropout,
    'Identity': elementwise(lambda x: x),
    **{op: reduce_op(op) for op in ['ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1',
                                    'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp', 'ReduceSumSquare']},
    'Constant': constant,
    'Shape': shape,
    'Gather': gather,
    'Unsqueeze': unsqueeze,
    'Squeeze': squeeze,
    'Concat': concat,
    'Reshape': reshape,
    'Flatten': flatten,
    'Transpose': transpose,
    'Expand': expand,
    'Slice': slice_op,
    'Split': split,
    'Tile': tile,
    'Cast': cast,
    'ConstantOfShape': constant_of_shape,
    'Pad': pad,
}
