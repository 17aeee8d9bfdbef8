"""One retraining stage under torchrun: `python -m torch.distributed.run ... -m swprune_torch JOB`.

JOB (job.json, written by the driver, src/torch/job.ts) holds the graph, which parameters
train, the tiles, the data spec, the training settings and the stage's epochs; state.bin beside
it the weights, masks, gradient scales and optimizer slots (exchange.py). Every process builds
the network, wraps it in DistributedDataParallel (gloo on CPU, NCCL on CUDA), takes the global
batches in the driver's order (order.bin: the built-in engine's shuffle), each process every
world-th example of a batch, and steps the optimizer of optim.py. Local rank 0 streams progress as `@swprune {json}` lines and
writes epoch-E.bin after every epoch (weights, batch-norm statistics, optimizer slots), which
the driver loads, checkpoints and reports. Errors are one `@swprune {"kind": "error"}` line and
a non-zero exit."""
import json
import math
import os
import sys
import time
import traceback

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

from . import exchange, norm
from .data import DataError, training_data
from .network import Network
from .optim import Optimizer, learning_rate


class Failure(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def emit(obj):
    sys.stdout.write('@swprune ' + json.dumps(obj) + '\n')
    sys.stdout.flush()


def main(argv):
    local_rank = int(os.environ.get('LOCAL_RANK', 0))
    try:
        run(argv[0], local_rank)
        return 0
    except Failure as e:
        if local_rank == 0:
            emit({'kind': 'error', 'code': e.code, 'message': str(e)})
        return 3
    except DataError as e:
        if local_rank == 0:
            emit({'kind': 'error', 'code': 'E_DATA', 'message': str(e)})
        return 3
    except Exception as e:  # a bug, or a peer gone: the traceback to stderr, one line to the driver
        traceback.print_exc()
        first = str(e).splitlines()[0] if str(e) else ''
        peer = isinstance(e, RuntimeError) and any(w in first for w in ('gloo', 'NCCL', 'Connection', 'connection'))
        if local_rank == 0:
            if peer:
                emit({'kind': 'error', 'code': 'E_ENGINE', 'message': f'a process lost contact with the others ({first})'})
            else:
                emit({'kind': 'error', 'code': 'E_INTERNAL', 'message': f'the torch engine failed: {type(e).__name__}: {first}'})
        return 4
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()


def run(job_path, local_rank):
    with open(job_path) as f:
        job = json.load(f)
    folder = os.path.dirname(os.path.abspath(job_path))
    t = job['training']
    cuda = torch.cuda.is_available() and job.get('device', 'auto') != 'cpu'
    device = torch.device('cuda', local_rank) if cuda else torch.device('cpu')
    if cuda:
        torch.cuda.set_device(device)
    if job.get('threads'):
        torch.set_num_threads(job['threads'])
    dist.init_process_group('nccl' if cuda else 'gloo')
    if dist.get_world_size() > 1:
        norm.GROUP = dist.new_group()
    world, rank = dist.get_world_size(), dist.get_rank()
    if t['batchSize'] % world:
        raise Failure('E_USAGE', f"the batch size {t['batchSize']} does not split evenly between {world} processes; pass a multiple of {world}")
    per_rank = t['batchSize'] // world

    meta, arrays = exchange.read(os.path.join(folder, 'state.bin'))
    nhwc = job['graph']['inputs'][0].get('layout') == 'NHWC'
    net = Network(job, arrays, device)
    params = net.parameters_by_name()
    hooks = {}
    for name in params:
        mask = arrays.get(f'mask:{name}')
        scale = arrays.get(f'scale:{name}')
        shape = job['dims'][name]
        as_tensor = lambda a: None if a is None else torch.from_numpy(a).reshape(shape).to(device)
        if mask is not None or scale is not None:
            hooks[name] = (as_tensor(mask), as_tensor(scale))
    slots = {}
    for key in sorted(k for k in arrays if k.startswith('slot:')):
        name, i = key[len('slot:'):].rsplit(':', 1)
        slots.setdefault(name, {})[int(i)] = torch.from_numpy(arrays[key]).reshape(job['dims'][name]).to(device)
    slots = {k: [v[i] for i in sorted(v)] for k, v in slots.items()}
    optimizer = Optimizer(job['optimizer'], params, hooks, slots, meta.get('steps', 0))

    data = training_data(job['data'], nhwc, device, arrays, folder)
    n = data.count
    orders = np.fromfile(os.path.join(folder, job['data']['order']), dtype='<u4').reshape(t['epochs'], n)
    # One process needs no gradient all-reduce (DDP would copy every gradient through a one-member group).
    ddp = DistributedDataParallel(net, device_ids=[local_rank] if cuda else None, broadcast_buffers=False) if world > 1 else net
    net.train()
    batch = t['batchSize']
    steps_per_epoch = math.ceil(n / batch)
    total_steps = t['epochs'] * steps_per_epoch
    last_emit = 0.0

    for e in range(t['startEpoch'], t['epochs']):
        epoch_id = t['stage'] * 1000 + e
        order = orders[e]
        generator = torch.Generator().manual_seed((t['seed'] * 1000003 + epoch_id) * 1009 + rank)
        start = time.perf_counter()
        done, loss_sum = 0.0, 0.0
        for i in range(steps_per_epoch):
            idx, weight, size = shard(order[i * batch:(i + 1) * batch], rank, world)
            x, y = data.batch(idx, generator)
            logits = ddp(x)
            # Summed and divided by the global batch's size (times the processes, whose gradients DDP
            # averages): the gradient of the global batch's mean loss however it splits.
            loss_sum_local = F.cross_entropy(logits, y, reduction='sum') * weight
            loss = loss_sum_local * (world / size)
            for p in params.values():
                p.grad = None
            loss.backward()
            stat = torch.tensor([loss_sum_local.item(), float(len(idx)) * weight], dtype=torch.float64)
            if world > 1:
                dist.all_reduce(stat)
            batch_loss = float(stat[0] / stat[1])
            if not math.isfinite(batch_loss):
                raise Failure('E_TRAIN', f'training diverged: the loss became {fmt(batch_loss)} at epoch {epoch_id + 1}, batch {i + 1}')
            optimizer.step(learning_rate(t['lr'], t['schedule'], e * steps_per_epoch + i, steps_per_epoch, total_steps))
            done += float(stat[1])
            loss_sum += float(stat[0])
            now = time.perf_counter()
            if local_rank == 0 and (now - last_emit > 0.2 or i + 1 == steps_per_epoch):
                last_emit = now
                emit({'kind': 'batch', 'epoch': e, 'done': done, 'loss': loss_sum / done, 'seconds': now - start})
        seconds = time.perf_counter() - start
        for name, p in params.items():
            if not torch.isfinite(p).all():
                raise Failure('E_TRAIN', f'training diverged: the weights of {name} became NaN or infinite in epoch {epoch_id + 1}')
        if local_rank == 0:
            out = {f'param:{name}': v.detach().cpu().numpy().reshape(-1) for name, v in net.state_by_name().items()}
            for name, s in optimizer.slots.items():
                for k, v in enumerate(s):
                    out[f'slot:{name}:{k}'] = v.detach().cpu().numpy().reshape(-1)
            path = os.path.join(folder, f'epoch-{e}.bin')
            exchange.write(path, {'epoch': e, 'steps': optimizer.steps}, out)
            emit({'kind': 'epoch', 'epoch': e, 'file': path, 'loss': loss_sum / done, 'examples': done, 'seconds': seconds})


def shard(indices, rank, world):
    """This process's part of a global batch (every world-th example from its rank), its loss
    weight and the global batch's size. A process left with none (a last batch smaller than the
    processes) takes the batch's first example at weight 0, so it still joins every all-reduce;
    that example then counts in batch norm's statistics."""
    mine = indices[rank::world].tolist()
    if not mine:
        return indices[:1].tolist(), 0.0, len(indices)
    return mine, 1.0, len(indices)


def fmt(x):
    return 'NaN' if math.isnan(x) else ('Infinity' if x > 0 else '-Infinity')
