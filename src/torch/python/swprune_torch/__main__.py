"""`python -m swprune_torch JOB.json` (under torchrun, or alone for one process): retrains one stage, see train.py."""
import signal
import sys

from .orphan import watch_parent
from .train import main

watch_parent(sys.argv[1], signal.SIGKILL)
sys.exit(main(sys.argv[1:]))
