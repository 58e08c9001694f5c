"""Runs one public program on one backend in a fresh subprocess and returns what it produced.

`run(path, backend)` starts `python -m compat_tests.programs._runner BACKEND PROGRAM OUT`, in an
empty temporary working directory, and returns a `Result`: whether the program finished, its
`COMPAT_RESULTS` (normalised by `compat_tests._harness.normalize`), its `COMPAT_COMPARE` (how each
result is compared), its output and, on failure, the exception and the program line it came from.

In the child, backend "tensorflow" runs the file with real TensorFlow (`runpy.run_path`);
backend "tapejax" runs it with `tapejax.run.run_script`, whose import hook makes
`import tensorflow` (and `tensorflow.keras`, `tensorflow.keras.layers`, ...) resolve to tapejax.
The file itself is never edited for a backend.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TIMEOUT_S = 120


@dataclasses.dataclass
class Result:
    backend: str
    ok: bool
    results: object = None
    compare: dict = dataclasses.field(default_factory=dict)
    stdout: str = ""
    stdout_at: list = dataclasses.field(default_factory=list)  # the program line that printed each line
    error: str = ""
    output: str = ""
    seconds: float = 0.0


# ---- JSON encoding of normalised results (tuples, arrays and Raised stay distinguishable) ----

def _encode(value):
    from compat_tests import _harness
    if isinstance(value, _harness.Raised):
        return {"__raised__": [value.type_name, value.message]}
    if isinstance(value, dict):
        return {"__map__": [[k, _encode(v)] for k, v in value.items()]}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "c":
            data = [value.real.tolist(), value.imag.tolist()]
        elif value.dtype.kind in "SUO":
            data = [x.decode("latin-1") if isinstance(x, bytes) else str(x) for x in value.ravel()]
        else:
            data = value.astype(np.float64 if value.dtype.kind == "f" else value.dtype).tolist()
        return {"__array__": [str(value.dtype), list(value.shape), data]}
    if isinstance(value, complex):
        return {"__complex__": [value.real, value.imag]}
    return value


def _decode(value):
    from compat_tests import _harness
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    (tag, body), = value.items()
    if tag == "__raised__":
        raised = _harness.Raised.__new__(_harness.Raised)
        raised.type_name, raised.message = body
        return raised
    if tag == "__map__":
        return {k: _decode(v) for k, v in body}
    if tag == "__tuple__":
        return tuple(_decode(v) for v in body)
    if tag == "__complex__":
        return complex(*body)
    dtype, shape, data = body
    if np.dtype(dtype).kind == "c":
        return (np.asarray(data[0]) + 1j * np.asarray(data[1])).astype(dtype).reshape(shape)
    if np.dtype(dtype).kind in "SUO":
        return np.asarray(data, dtype=object).reshape(shape)
    return np.asarray(data, dtype=dtype).reshape(shape)


# ---- the parent side ----

def run(path, backend, timeout=TIMEOUT_S):
    """Starts the program on `backend` and waits for it (see `start`)."""
    return start(path, backend, timeout)()


def start(path, backend, timeout=TIMEOUT_S):
    """Starts the program on `backend` in a subprocess; returns a function that waits for its Result.

    Starting both backends before waiting on either runs them side by side.
    """
    workdir = tempfile.mkdtemp(prefix=f"program-{backend}-")
    out = os.path.join(workdir, "_compat_results.json")
    # PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION=python, for both backends: protobuf's C (upb) backend
    # serializes a map field (tf.train.Features.feature) in an order drawn from a per-process hash
    # seed, so two TF runs of one program write different Example bytes; the pure-Python backend
    # writes maps in insertion order (the same messages, the same parse results), so a program's
    # serialized bytes are reproducible and comparable across processes.
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")]),
               TF_CPP_MIN_LOG_LEVEL="3", PYTHONHASHSEED="0", MPLBACKEND="Agg",
               PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION="python")
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "compat_tests.programs._runner", backend, os.path.abspath(path), out],
        cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def wait():
        try:
            return _wait()
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def _wait():
        try:
            output, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()  # only this child, by its own handle
            output, _ = proc.communicate()
            return Result(backend, False, error=f"timed out after {timeout} s", output=output,
                          seconds=time.perf_counter() - started)
        seconds = time.perf_counter() - started
        if not os.path.exists(out):
            return Result(backend, False, error=f"exited with status {proc.returncode} before writing results",
                          output=output, seconds=seconds)
        with open(out, encoding="utf-8") as f:
            data = json.load(f)
        if "error" in data:
            return Result(backend, False, error=data["error"], output=output, seconds=seconds)
        return Result(backend, True, results=_decode(data["results"]), compare=data["compare"],
                      stdout=data["stdout"], stdout_at=data.get("stdout_at", []), output=output,
                      seconds=seconds)

    return wait


# ---- the child side ----

def _first_program_frame(exc, path):
    """`file:line: source` of the deepest traceback frame inside the program file."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if os.path.abspath(f.filename) == path]
    if not frames:
        return "?"
    f = frames[-1]
    return f"{os.path.basename(path)}:{f.lineno}: {(f.line or '').strip()}"


class _Tee:
    """sys.stdout that also keeps what the program prints (the `__stdout__` comparison), and for each
    line the program's `file:line` that started it (the innermost program frame of the write)."""

    def __init__(self, stream, path=None):
        self._stream, self.parts, self.at, self._path, self._open = stream, [], [], path, False

    def write(self, text):
        if isinstance(text, str) and text:
            if not self._open:
                self.at.append(self._where())
            self._open = not text.endswith("\n")
            self.at.extend(self._where() for _ in range(text.count("\n") - (0 if self._open else 1)))
        self.parts.append(text)
        return self._stream.write(text)

    def _where(self):
        frame = sys._getframe(2)
        while frame is not None and frame.f_code.co_filename != self._path:
            frame = frame.f_back
        return f"{os.path.basename(self._path)}:{frame.f_lineno}" if frame is not None else "?"

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _seed_everything(backend, seed=1234):
    """Fixed seeds for Python, NumPy and the backend, so a program's random start (initial weights,
    shuffles) is the same on every run of one backend: outcomes compared with bounds cannot flake."""
    import random

    import numpy as np
    random.seed(seed)
    np.random.seed(seed)
    tf = __import__("tapejax" if backend == "tapejax" else "tensorflow")
    tf.random.set_seed(seed)
    if backend == "tensorflow":
        tf.keras.utils.set_random_seed(seed)


def _child(backend, path, out):
    sys.path.insert(0, ROOT)
    from compat_tests import _harness

    tee = sys.stdout = _Tee(sys.stdout, path)
    try:
        _seed_everything(backend)
        if backend == "tapejax":
            from tapejax import run as tapejax_run
            namespace = tapejax_run.run_script(path)
        elif backend == "tensorflow":
            import runpy
            namespace = runpy.run_path(path, run_name="__main__")
        else:
            raise ValueError(f"unknown backend {backend!r}")
        if "COMPAT_RESULTS" not in namespace:
            raise RuntimeError("the program did not set COMPAT_RESULTS")
        data = {"results": _encode(_harness.normalize(namespace["COMPAT_RESULTS"])),
                "compare": namespace.get("COMPAT_COMPARE", {}), "stdout": "".join(tee.parts),
                "stdout_at": tee.at}
    except BaseException as exc:  # noqa: BLE001 - every failure is reported to the parent
        message = str(exc).strip().split("\n")[0][:400]
        data = {"error": f"{type(exc).__name__}: {message} (at {_first_program_frame(exc, path)})"}
        traceback.print_exc()
    with open(out, "w", encoding="utf-8") as f:
        json.dump(data, f)
    sys.stdout.flush()
    os._exit(0)  # skip interpreter teardown (TF's and JAX's atexit work): the results are written


if __name__ == "__main__":
    _child(sys.argv[1], os.path.abspath(sys.argv[2]), sys.argv[3])
