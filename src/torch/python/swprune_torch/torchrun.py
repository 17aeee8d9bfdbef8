"""`python -m swprune_torch.torchrun ARGS`: torchrun (torch.distributed.run's main) in the
driver's interpreter, with one repair: under Python 3.11, torch < 2.0 reads torchrun's default
`--redirects 0` / `--tee 0` as None (iterating an IntFlag skips its zero member) and fails
before starting any process. None is read as "no redirection" here, as torchrun means it. And
it stops its processes when swprune dies, even by SIGKILL (orphan.py)."""
import signal
import sys

import torch.distributed.elastic.multiprocessing as mp
import torch.distributed.elastic.multiprocessing.api as api
from torch.distributed.elastic.multiprocessing.api import Std

_to_map = api.to_map


def to_map(value, local_world_size):
    return _to_map(Std.NONE if value is None else value, local_world_size)


api.to_map = to_map
if hasattr(mp, 'to_map'):
    mp.to_map = to_map

if __name__ == '__main__':
    from torch.distributed.run import main

    from .orphan import watch_parent

    watch_parent(sys.argv[-1], signal.SIGTERM)  # the job file is torchrun's last argument
    main()
