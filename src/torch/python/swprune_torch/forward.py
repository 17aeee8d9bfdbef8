"""`python -m swprune_torch.forward JOB IN OUT [JOB IN OUT ...]`: each job's network in inference
mode on the images of IN (a checkpoint-format file: `x` NHWC float32, meta {shape}), logits
written to OUT. For the tests that hold the op table (ops.py) against swprune's executor, all
models in one process (torch imports once)."""
import json
import os
import sys

import torch

from . import exchange
from .network import Network


def main(argv):
    for i in range(0, len(argv), 3):
        forward(*argv[i:i + 3])
    return 0


def forward(job_path, src, dst):
    with open(job_path) as f:
        job = json.load(f)
    _, arrays = exchange.read(os.path.join(os.path.dirname(os.path.abspath(job_path)), 'state.bin'))
    net = Network(job, arrays, torch.device('cpu')).eval()
    meta, inputs = exchange.read(src)
    x = torch.from_numpy(inputs['x']).reshape(meta['shape'])
    if job['graph']['inputs'][0].get('layout') != 'NHWC':
        x = x.permute(0, 3, 1, 2).contiguous()
    with torch.no_grad():
        y = net(x)
    exchange.write(dst, {'shape': list(y.shape)}, {'y': y.numpy().reshape(-1)})


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
