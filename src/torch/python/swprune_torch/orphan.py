"""Ending with the process that started this one. swprune starts torchrun (or, for one process
on one machine, the training process itself), torchrun starts the training processes; killed
with SIGKILL, a parent cannot stop its children, which would train on as orphans. A daemon
thread notices that the parent has gone (the process was re-parented) within a quarter of a
second, removes the job's temporary folder (which swprune would have removed) and ends the
process: torchrun with SIGTERM, whose handler stops its training processes; a training process
with SIGKILL, at once (it has no one left to report to)."""
import os
import shutil
import signal
import threading
import time


def watch_parent(job, sig, interval=0.25):
    """From a daemon thread, once this process's parent has died: removes the folder of `job`
    (only swprune's own `swprune-torch-*` temporary folders) and sends `sig` to this process."""
    parent = os.getppid()

    def loop():
        while os.getppid() == parent:
            time.sleep(interval)
        folder = os.path.dirname(os.path.abspath(job))
        if os.path.basename(folder).startswith('swprune-torch-'):
            shutil.rmtree(folder, ignore_errors=True)
        os.kill(os.getpid(), sig)

    threading.Thread(target=loop, name='swprune-parent-watch', daemon=True).start()
