"""The child side of `python -m tapejax.compare`: runs a script on one backend and records what it printed.

Started as `python .../tapejax/_compare_child.py BACKEND RECORD SCRIPT [ARGS...]` (by path, so that
the TensorFlow run never imports tapejax). It uses only the standard library until the script runs.
BACKEND is "tensorflow" (real TF) or "tapejax" (`tapejax.run`'s import hook). RECORD is a file of
JSON lines, written as the script runs (so a run killed at a timeout still left what it printed):

  {"stream": "stdout", "line": TEXT, "at": "script.py:12"}   a line the script printed
  {"exception": NAME, "message": TEXT, "at": "script.py:12"} the exception that stopped it
  {"end": STATUS, "seconds": S}                                how it ended, after S s of script time
  {"setup_error": TEXT}                                        the backend itself failed to import

"at" is the script's file:line that printed the line: the innermost frame of the script in the call
stack of the `sys.stdout.write` (`print`, `sys.stdout.write`) or of an eager `tf.print`.
"""

import sys

sys.path[0] = ""  # this file's folder is tapejax/: its keras/, data/, run.py must not shadow anything

import importlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import runpy  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_TF_NODE = re.compile(r"\{\{function_node [^}]*\}\} ")


class _Record:
    def __init__(self, path, script):
        self._file = open(path, "w", encoding="utf-8")
        self._script = script
        self._pending = {}  # stream -> [text so far, location of its first write]

    def emit(self, **entry):
        self._file.write(json.dumps(entry) + "\n")
        self._file.flush()

    def location(self):
        """`file:line` of the innermost frame of the script in the current call stack ("?" if none)."""
        frame = sys._getframe(1)
        while frame is not None:
            if frame.f_code.co_filename == self._script:
                return f"{os.path.basename(self._script)}:{frame.f_lineno}"
            frame = frame.f_back
        return "?"

    def text(self, stream, text, at):
        pending = self._pending.setdefault(stream, ["", None])
        if pending[1] is None:
            pending[1] = at
        pending[0] += text
        while "\n" in pending[0]:
            line, rest = pending[0].split("\n", 1)
            self.emit(stream=stream, line=line.rsplit("\r", 1)[-1], at=pending[1])
            pending[0], pending[1] = rest, (at if rest else None)

    def finish(self):
        for stream, (text, at) in self._pending.items():
            if text:
                self.emit(stream=stream, line=text.rsplit("\r", 1)[-1], at=at)
        self._pending.clear()


class _Stdout:
    """sys.stdout that records each line with the script line that wrote it, and passes it on."""

    def __init__(self, stream, record):
        self._stream, self._record = stream, record

    def write(self, text):
        if isinstance(text, str):
            self._record.text("stdout", text, self._record.location())
        return self._stream.write(text)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _wrap_print(tf, record, stdout):
    """`tf.print` that, run eagerly to sys.stdout or sys.stderr, also records its text and line.

    The text comes from the backend's own `tf.print` writing to a `file://` stream; inside a
    `tf.function` (not executing eagerly) it is left alone.
    """
    original = tf.print

    def print_(*inputs, **kwargs):
        stream = kwargs.get("output_stream", sys.stderr)
        if not tf.executing_eagerly() or not (stream is sys.stderr or stream is stdout):
            return original(*inputs, **kwargs)
        at = record.location()
        fd, path = tempfile.mkstemp(prefix="tapejax-compare-print-")
        os.close(fd)
        try:
            result = original(*inputs, **{**kwargs, "output_stream": "file://" + path})
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
        finally:
            os.remove(path)
        if stream is stdout:
            record.text("stdout", text, at)
            stdout._stream.write(text)
        else:
            record.text("tf.print", text, at)
            sys.stderr.write(text)
        return result

    print_.__doc__, print_.__name__ = original.__doc__, "print"
    tf.print = print_


def _exception_site(exc, script):
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == script]
    return f"{os.path.basename(script)}:{frames[-1].lineno}" if frames else "?"


def _backend(backend):
    """(how to run the script, the `tensorflow` module it will import) for `backend`."""
    execute = runpy.run_path
    if backend == "tapejax":
        added = ROOT not in sys.path
        if added:
            sys.path.insert(1, ROOT)
        run = importlib.import_module("tapejax.run")  # chosen at run time: the TF child never imports tapejax
        run.install()
        execute = run.run_script
        if added:  # the script sees the sys.path it sees on TF: tapejax's folder only if it was there
            sys.path.remove(ROOT)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    tf = importlib.import_module("tensorflow")  # real TF, or tapejax through the hook

    return execute, tf


def main(argv):
    backend, record_path, script, *args = argv
    script = os.path.abspath(script)
    record = _Record(record_path, script)
    stdout = sys.stdout = _Stdout(sys.stdout, record)
    sys.path[0] = os.path.dirname(script)
    try:
        execute, tf = _backend(backend)
    except BaseException as exc:  # noqa: BLE001 - the backend itself cannot be imported
        traceback.print_exc()
        record.emit(setup_error=f"{type(exc).__name__}: {exc}")
        sys.stderr.flush()
        os._exit(70)
    _wrap_print(tf, record, stdout)
    sys.argv = [script, *args]
    status, started = 0, time.perf_counter()
    try:
        if backend == "tapejax":
            execute(script, args)
        else:
            execute(script, run_name="__main__")
    except SystemExit as exc:
        code = exc.code
        status = code if isinstance(code, int) else (0 if code is None else 1)
        if not isinstance(code, (int, type(None))):
            print(code, file=sys.stderr)
    except BaseException as exc:  # noqa: BLE001 - whatever stopped the script is reported
        record.finish()
        message = _TF_NODE.sub("", str(exc)).strip().split("\n")[0][:500]
        record.emit(exception=type(exc).__name__, message=message, at=_exception_site(exc, script))
        tb = exc.__traceback__  # shown from the script's first frame on, as `python SCRIPT` shows it
        while tb is not None and tb.tb_frame.f_code.co_filename != script:
            tb = tb.tb_next
        traceback.print_exception(type(exc), exc, tb or exc.__traceback__)
        status = 1
    seconds = time.perf_counter() - started
    record.finish()
    record.emit(end=status, seconds=round(seconds, 3))
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)  # skip TF's and JAX's interpreter teardown: everything is recorded


if __name__ == "__main__":
    main(sys.argv[1:])
