"""Joins a multi-worker cluster named by `TF_CONFIG` before JAX starts (run by `import tapejax`).

`jax.distributed.initialize` must run before anything starts JAX's backend, and tapejax starts it
on import, so the cluster is joined here when `TF_CONFIG` names several workers (and/or a chief)
and this process is one of them (TF's `MultiWorkerMirroredStrategy` programs set `TF_CONFIG` in
the environment before they start). The coordinator is the first task (the chief, else worker 0);
it listens on that address only (JAX's default is every interface), and on CPU the gloo
collectives use this task's own host. `TAPEJAX_DISTRIBUTED=0` leaves the process single; the
wait for the other workers is `TAPEJAX_DISTRIBUTED_TIMEOUT` seconds (default 300). A failure does
not stop the import: `MultiWorkerMirroredStrategy()` raises it (`tf.errors.UnavailableError`).
"""

from __future__ import annotations

import json
import os
import socket
import time

import jax
from jax._src import distributed as jax_distributed  # JAX's private backend factory: gloo's bind host
from jax._src import xla_bridge
from jax._src.lib import _jax

_LOOPBACK = {"localhost": "127.0.0.1", "": "127.0.0.1"}
status = {"joined": False, "error": None, "cluster": None}


def parse_tf_config(text):
    """(cluster dict, task type, task index) of a TF_CONFIG JSON string; ({}, None, None) if empty."""
    if not text:
        return {}, None, None
    config = json.loads(text)
    task = config.get("task", {}) or {}
    return dict(config.get("cluster", {}) or {}), task.get("type"), task.get("index")


def collective_tasks(cluster):
    """The addresses of the tasks that compute in sync, in process order: the chief, then the workers."""
    return list(cluster.get("chief", [])) + list(cluster.get("worker", []))


def process_id(cluster, task_type, task_index):
    """This task's process index among `collective_tasks(cluster)`, or None for another task type."""
    if task_type == "chief":
        return 0
    if task_type == "worker":
        return len(cluster.get("chief", [])) + int(task_index or 0)
    return None


def split_address(address):
    host, _, port = address.rpartition(":")
    host = host.strip("[]")
    return _LOOPBACK.get(host, host), port


def _pin_gloo_host(host):
    """CPU collectives (gloo) bound to `host`, not to the machine's name (JAX's default)."""
    def cpu_client():
        collectives = _jax.make_gloo_tcp_collectives(distributed_client=jax_distributed.global_state.client,
                                                     hostname=host)
        return xla_bridge.make_cpu_client(collectives=collectives)
    xla_bridge.register_backend_factory("cpu", cpu_client, priority=0, fail_quietly=False)


def _reachable(host, port, timeout):
    """Whether a TCP connection to host:port opens within `timeout` seconds (retrying)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection((host, int(port)), timeout=1.0).close()
            return True
        except OSError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.2)


def connect_from_environment(environ=os.environ):
    """Joins the cluster `TF_CONFIG` names (see the module docstring); does nothing otherwise."""
    if environ.get("TAPEJAX_DISTRIBUTED", "1").strip().lower() in ("0", "false", "no", "off"):
        return
    try:
        cluster, task_type, task_index = parse_tf_config(environ.get("TF_CONFIG", ""))
    except ValueError as err:
        status["error"] = f"TF_CONFIG is not valid JSON: {err}"
        return
    tasks = collective_tasks(cluster)
    index = process_id(cluster, task_type, task_index)
    if len(tasks) < 2 or index is None or "ps" in cluster:
        return
    status["cluster"] = tasks
    timeout = int(float(environ.get("TAPEJAX_DISTRIBUTED_TIMEOUT", "300")))
    coordinator_host, port = split_address(tasks[0])
    coordinator = f"{coordinator_host}:{port}"
    own_host, _ = split_address(tasks[index])
    started = time.monotonic()
    # JAX aborts the process when a task cannot reach the coordinator: wait for it here instead.
    if index != 0 and not _reachable(coordinator_host, port, timeout):
        status["error"] = (f"task {task_type}:{task_index} could not join the {len(tasks)}-task cluster "
                           f"{tasks}: the coordinator {coordinator} did not answer within {timeout} s "
                           f"(TAPEJAX_DISTRIBUTED_TIMEOUT)")
        return
    timeout = max(1, int(timeout - (time.monotonic() - started)))
    try:
        jax.distributed.initialize(coordinator_address=coordinator, num_processes=len(tasks), process_id=index,
                                   initialization_timeout=timeout, coordinator_bind_address=coordinator)
    except Exception as err:  # the import goes on; MultiWorkerMirroredStrategy() reports it
        status["error"] = (f"task {task_type}:{task_index} could not join the {len(tasks)}-task cluster "
                           f"{tasks} (coordinator {coordinator}) within {timeout} s "
                           f"(TAPEJAX_DISTRIBUTED_TIMEOUT): {type(err).__name__}: {str(err)[:300]}")
        try:
            jax.distributed.shutdown()
        except Exception:  # noqa: S110 - nothing was started
            pass
        return
    _pin_gloo_host(own_host)
    status["joined"] = True
