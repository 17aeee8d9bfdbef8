"""The model's own graph (swprune's IR, sent by the driver) as a torch module: one kernel per
node from the op table (ops.py), run in the graph's (topological) order. The driver's
trainable parameters become nn.Parameters, its batch-norm running statistics buffers, every
other parameter a constant; all in ONNX layout, so masks and gradient scales apply as they are."""
import torch
import torch.nn as nn

from .ops import OPS

PROBABILITY_OPS = ('Softmax', 'LogSoftmax')


def const_tensor(p):
    """A constant of the job (float32 array, or int list with its ONNX type) as a tensor."""
    if p['type'] == 'float':
        return torch.tensor(p['data'], dtype=torch.float32).reshape(p['dims'])
    if p['type'] == 'bool':
        return torch.tensor(p['data'], dtype=torch.bool).reshape(p['dims'])
    return torch.tensor(p['data'], dtype=torch.int64).reshape(p['dims'])


class Network(nn.Module):
    def __init__(self, job, arrays, device):
        super().__init__()
        g = job['graph']
        self.device = device
        self.opset = g['opset']
        self.tiles = job['tiles']
        self.names = {}  # param name -> attribute name
        self.consts = {}
        for i, name in enumerate(job['trainable']):
            key = f'p{i}'
            self.register_parameter(key, nn.Parameter(torch.from_numpy(arrays[f'param:{name}']).reshape(job['dims'][name]).to(device)))
            self.names[name] = key
        for i, name in enumerate(job['buffers']):
            key = f'b{i}'
            self.register_buffer(key, torch.from_numpy(arrays[f'param:{name}']).reshape(job['dims'][name]).to(device))
            self.names[name] = key
        for name, p in job['constants'].items():
            if name in self.names:
                continue
            self.consts[name] = const_tensor(p).to(device) if p['type'] == 'float' else const_tensor(p)
        for name, dims in job['dims'].items():
            if name not in self.names and name not in self.consts and f'param:{name}' in arrays:
                self.consts[name] = torch.from_numpy(arrays[f'param:{name}']).reshape(dims).to(device)
        self.input = g['inputs'][0]['name']
        self.nhwc = g['inputs'][0].get('layout') == 'NHWC'
        out = g['outputs'][0]['name']
        last = next((n for n in g['nodes'] if out in n['outputs']), None)
        self.skip = last if last is not None and last['op'] in PROBABILITY_OPS else None
        self.result = last['inputs'][0] if self.skip else out
        self.steps = []
        for node in g['nodes']:
            if node is self.skip:
                continue
            key = node['op'] if node['domain'] in ('', 'ai.onnx') else f"{node['domain']}/{node['op']}"
            build = OPS.get(key)
            if build is None:
                raise ValueError(f"node \"{node['name']}\" uses op {key}, which the torch engine does not map")
            self.steps.append((node, build(node, self)))

    def tile(self, T, r):
        return self.tiles[f'{T}/{r}']

    def value(self, name):
        """A parameter or constant by its graph name (None for an omitted input)."""
        if name == '':
            return None
        key = self.names.get(name)
        if key is not None:
            return getattr(self, key)
        return self.consts[name]

    def constant_attr(self, node, key='value'):
        a = node['attrs']
        if key in a and isinstance(a[key], dict):
            return const_tensor(a[key])
        if key != 'value':
            return None
        for k, dtype in (('value_float', torch.float32), ('value_floats', torch.float32), ('value_int', torch.int64), ('value_ints', torch.int64)):
            if k in a:
                return torch.tensor(a[k], dtype=dtype)
        raise ValueError(f"Constant node \"{node['name']}\" has no value the torch engine reads")

    def parameters_by_name(self):
        return {name: getattr(self, key) for name, key in self.names.items() if key.startswith('p')}

    def state_by_name(self):
        return {name: getattr(self, key) for name, key in self.names.items()}

    def forward(self, x):
        """Images NCHW (NHWC for a model that declares it) -> logits [N, classes]."""
        values = {self.input: x}
        for node, run in self.steps:
            args = [values[n] if n in values else self.value(n) for n in node['inputs']]
            outs = run(args, self.training)
            for name, v in zip(node['outputs'], outs):
                if name:
                    values[name] = v
        y = values[self.result]
        return y if y.dim() == 2 else y.reshape(y.shape[0], -1)
