"""`python -m swprune_torch JOB.json` (under torchrun): retrains one stage, see train.py."""
import sys

from .train import main

sys.exit(main(sys.argv[1:]))
