"""Starts a local multi-worker cluster for tests: N processes on 127.0.0.1, bounded in time.

Each worker runs `python -c CODE` (or a script) with a `TF_CONFIG` naming every worker on a free
loopback port, so `import tapejax` joins them into one JAX runtime. The launcher waits for all of
them at most `timeout` seconds; a worker still running then is killed through its own handle (only
the launcher's children are touched).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time


def free_ports(count):
    """`count` distinct free TCP ports on 127.0.0.1."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def tf_config(addresses, index, task_type="worker"):
    """The TF_CONFIG JSON of worker `index` in a cluster of `addresses`."""
    return json.dumps({"cluster": {"worker": list(addresses)}, "task": {"type": task_type, "index": index}})


class Result:
    """What one worker did: `returncode` (None if it was killed), `output`, `timed_out`."""

    def __init__(self, index, returncode, output, timed_out):
        self.index, self.returncode, self.output, self.timed_out = index, returncode, output, timed_out

    def __repr__(self):
        return f"Result(worker {self.index}, rc={self.returncode}, timed_out={self.timed_out})"


def launch(argv, num_workers, timeout=120.0, env=None, start=None, cwd=None):
    """Runs `argv` (e.g. `[sys.executable, "-c", code]`) as `num_workers` workers of one cluster.

    Args:
      argv: the command line of every worker.
      num_workers: the cluster's size (its TF_CONFIG names this many workers).
      timeout: seconds to wait for all workers together; then the ones still running are killed.
      env: extra environment variables for every worker.
      start: the worker indices to start (default: all); the others never join (for tests of the timeout).
      cwd: the workers' working directory.

    Returns:
      A list of `Result`, one per started worker, in index order.
    """
    addresses = [f"127.0.0.1:{port}" for port in free_ports(num_workers)]
    base = dict(os.environ, JAX_PLATFORMS="cpu", TF_CPP_MIN_LOG_LEVEL="3", **(env or {}))
    base.pop("XLA_FLAGS", None) if "XLA_FLAGS" not in (env or {}) else None
    procs = []
    for index in (range(num_workers) if start is None else start):
        worker_env = dict(base, TF_CONFIG=tf_config(addresses, index))
        procs.append((index, subprocess.Popen(argv, env=worker_env, cwd=cwd, stdout=subprocess.PIPE,
                                              stderr=subprocess.STDOUT, text=True)))
    deadline = time.monotonic() + timeout
    results = []
    for index, proc in procs:
        try:
            output, _ = proc.communicate(timeout=max(0.1, deadline - time.monotonic()))
            results.append(Result(index, proc.returncode, output, False))
        except subprocess.TimeoutExpired:
            proc.kill()
            output, _ = proc.communicate()
            results.append(Result(index, None, output, True))
    return results


if __name__ == "__main__":  # python -m tapejax.distribute._launch N script.py [args...]
    count, *command = sys.argv[1:]
    for result in launch([sys.executable, *command], int(count)):
        print(f"--- worker {result.index} (rc {result.returncode}) ---\n{result.output}")
