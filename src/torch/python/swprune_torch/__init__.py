"""swprune's PyTorch retraining engine (`swprune spatial|winograd ... --engine torch`).

swprune (TypeScript) stays the driver: it loads the model, computes every mask, ranking and
gradient scale, and launches `torchrun -m swprune_torch JOB.json` for each retraining stage.
This package rebuilds the model's own graph as a torch module (one torch mapping per op of
swprune's executor, `ops.py`), reads the `--data` split itself (`data.py`), retrains the stage
with DistributedDataParallel (`train.py`, the optimizer of `optim.py`) and hands the weights
back after every epoch (`exchange.py`). Standard library, torch and numpy only; no install step.
"""
