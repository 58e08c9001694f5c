"""Run a TF script on real TensorFlow and on tapejax and report the first divergence.

    python -m tapejax.compare [--rtol R] [--atol A] [--ignore REGEX] [--timeout S] [--parallel] [--json]
                              SCRIPT [ARGS...]
    python -m tapejax.compare --missing [NAMESPACE]

The script runs twice, unchanged, each time in a fresh subprocess with `sys.argv == [SCRIPT, *ARGS]`:
once with real TensorFlow (with `--tf-python`'s interpreter, this one by default) and once on
tapejax (`tensorflow` resolving to tapejax, as under `python -m tapejax.run`). Each run records
every line the script prints to `sys.stdout` (`print`, `sys.stdout.write`) and every eager
`tf.print` (to `sys.stdout` or `sys.stderr`), each with the script's file:line that printed it, and
the exception that stopped it, if any, with the script's line it came from.

The report says whether each run finished, its wall time (and the script's own time, after
imports), and the first divergence, in this order:

  - the first printed line that differs: lines are compared token by token; numbers (`6.0`,
    `[1. 2.]`, `tf.Tensor(6.0, shape=(), dtype=float32)`, `1e-05`, `nan`) must agree within
    `|tapejax - tf| <= atol + rtol * |tf|` (`--rtol`, default 1e-5; `--atol`, default 1e-6), any
    other text exactly, apart from the amount of white space; timings (`12ms/step`, `3s`) are
    not compared, and TF's `{{function_node ...}}` prefixes and ANSI terminal styling are dropped;
  - an exception on one side only, or exceptions of different classes or lines, with the file:line;
  - one run printing more lines than the other, or a different exit status (`sys.exit(n)`).

`--ignore REGEX` (repeatable) leaves out the printed lines that match it on both sides (e.g. a
line that prints a time or a random value).

Exit status: 0 nothing diverged; 1 a divergence was found; 2 bad arguments (no such script);
3 real TensorFlow cannot be imported (install `tensorflow` or pass `--tf-python`); 4 a run timed
out, died from a signal, or could not import tapejax, before any divergence.

Not compared: what a script writes to `sys.stderr` other than eager `tf.print` (logs, warnings),
bytes written to `sys.stdout.buffer` or the file descriptors, `tf.print` inside a `tf.function`,
and files the script writes. Random numbers differ between TF and tapejax: a script that prints
random values diverges unless it prints them to a tolerance that covers the difference.

`--missing [NAMESPACE]` lists, one per line, the TF 2.21 names in NAMESPACE (default `tf`; e.g.
`tf.keras.layers`) that tapejax does not implement, and exits 0.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time

from tapejax import _missing_api

_CHILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_compare_child.py")
BACKENDS = ("tensorflow", "tapejax")
NAMES = {"tensorflow": "TensorFlow", "tapejax": "tapejax"}

AGREE, DIVERGED, USAGE, NO_TENSORFLOW, INCOMPLETE = 0, 1, 2, 3, 4

_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|nan|inf)(?![\w])")
_TIMING = re.compile(r"\d+(?:\.\d+)?(?:s|ms|us|\u00b5s)(?:/step|/sample|/epoch)?")
_TF_NODE = re.compile(r"\{\{function_node [^}]*\}\} ")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")  # terminal styling (Keras 3's bold and coloured progress bar)


@dataclasses.dataclass
class Line:
    """A line a run printed: its text, the script's `file:line` that printed it, and the stream."""
    text: str
    at: str
    stream: str = "stdout"


@dataclasses.dataclass
class Run:
    """What one backend's run of the script did."""
    backend: str
    lines: list = dataclasses.field(default_factory=list)
    exception: dict | None = None  # {"exception": name, "message": text, "at": "file:line"}
    status: int | None = None  # exit status; None when it timed out
    timed_out: bool = False
    seconds: float = 0.0  # wall time of the subprocess
    script_seconds: float | None = None  # the script's own time, after the backend's import
    output: str = ""  # the child's stdout and stderr (the script's output and tracebacks)
    end: dict | None = None  # the child's last record; None when it died before writing it
    setup_error: str | None = None  # the backend itself could not be imported (the script never ran)

    @property
    def finished(self):
        return not self.timed_out and self.status == 0 and self.exception is None

    def describe(self):
        if self.setup_error is not None:
            how = f"could not import the backend ({self.setup_error})"
        elif self.timed_out:
            how = "timed out"
        elif self.exception is not None:
            e = self.exception
            message = e["message"] if len(e["message"]) <= 160 else e["message"][:157] + "..."
            how = f"raised {e['exception']} at {e['at']} ({message})"
        elif self.status is None or self.status < 0 or self.end is None:
            how = f"died (exit status {self.status})"
        else:
            how = "finished" if self.status == 0 else f"exited with status {self.status}"
        times = f"{self.seconds:.1f} s"
        if self.script_seconds is not None:
            times += f" (script {self.script_seconds:.1f} s)"
        return f"{how} in {times}, {len(self.lines)} line(s) printed"


def tokens(text):
    """`text` as tokens: ("number", float), ("text", str) and ("timing",) (white space separates)."""
    out = []
    for chunk in _ANSI.sub(" ", _TF_NODE.sub("", text)).split():
        if _TIMING.fullmatch(chunk):
            out.append(("timing",))
            continue
        pos = 0
        for match in _NUMBER.finditer(chunk):
            if match.start() > pos:
                out.append(("text", chunk[pos:match.start()]))
            out.append(("number", float(match.group())))
            pos = match.end()
        if pos < len(chunk):
            out.append(("text", chunk[pos:]))
    return out


def _close(expected, got, rtol, atol):
    if math.isnan(expected) or math.isnan(got):
        return math.isnan(expected) and math.isnan(got)
    if math.isinf(expected) or math.isinf(got):
        return expected == got
    return abs(got - expected) <= atol + rtol * abs(expected)


def lines_match(expected, got, rtol=1e-5, atol=1e-6):
    """Whether tapejax's line `got` agrees with TF's `expected`: the same tokens, numbers within tolerance."""
    e, g = tokens(expected), tokens(got)
    if len(e) != len(g):
        return False
    for a, b in zip(e, g):
        if a[0] != b[0]:
            return False
        if a[0] == "number" and not _close(a[1], b[1], rtol, atol):
            return False
        if a[0] == "text" and a[1] != b[1]:
            return False
    return True


@dataclasses.dataclass
class Divergence:
    """The first place the two runs differ: `kind` is "line", "exception", "extra lines" or "exit status"."""
    kind: str
    summary: str
    index: int | None = None  # the printed line's 0-based position, for "line" and "extra lines"
    at: dict = dataclasses.field(default_factory=dict)  # backend -> the script's file:line
    text: dict = dataclasses.field(default_factory=dict)  # backend -> the printed line / exception


def first_divergence(tf_run, tapejax_run, rtol=1e-5, atol=1e-6, ignore=()):
    """The first Divergence between the two runs, or None when they agree (as far as both got).

    Lines matching a regular expression in `ignore` are left out of the comparison on both sides.
    """
    if ignore:
        patterns = [re.compile(p) for p in ignore]

        def kept(run):
            return dataclasses.replace(run, lines=[line for line in run.lines
                                                   if not any(p.search(line.text) for p in patterns)])
        tf_run, tapejax_run = kept(tf_run), kept(tapejax_run)
    runs = {"tensorflow": tf_run, "tapejax": tapejax_run}
    for i, (a, b) in enumerate(zip(tf_run.lines, tapejax_run.lines)):
        if not lines_match(a.text, b.text, rtol, atol):
            return Divergence("line", f"printed line {i + 1} differs", i, {"tensorflow": a.at, "tapejax": b.at},
                              {"tensorflow": a.text, "tapejax": b.text})
    n = min(len(tf_run.lines), len(tapejax_run.lines))
    if any(r.timed_out or r.setup_error is not None for r in (tf_run, tapejax_run)):
        return None
    raised = [b for b in BACKENDS if runs[b].exception is not None]
    e_tf, e_tj = tf_run.exception, tapejax_run.exception
    if raised and not (len(raised) == 2 and (e_tf["exception"], e_tf["at"]) == (e_tj["exception"], e_tj["at"])):
        if len(raised) == 1:
            who = raised[0]
            summary = f"{NAMES[who]} raised {runs[who].exception['exception']} at {runs[who].exception['at']}; " \
                      f"{NAMES[_other(who)]} did not"
        else:
            summary = (f"TensorFlow raised {e_tf['exception']} at {e_tf['at']}, "
                       f"tapejax {e_tj['exception']} at {e_tj['at']}")
        return Divergence("exception", summary, n, {b: runs[b].exception["at"] for b in raised},
                          {b: f"{runs[b].exception['exception']}: {runs[b].exception['message']}" for b in raised})
    if len(tf_run.lines) != len(tapejax_run.lines):
        longer = "tensorflow" if len(tf_run.lines) > n else "tapejax"
        extra = runs[longer].lines[n]
        return Divergence("extra lines", f"{NAMES[longer]} printed {len(runs[longer].lines)} line(s), "
                          f"{NAMES[_other(longer)]} {n}", n, {longer: extra.at}, {longer: extra.text})
    if tf_run.status != tapejax_run.status:
        return Divergence("exit status", f"exit status: TensorFlow {tf_run.status}, tapejax {tapejax_run.status}")
    return None


def _other(backend):
    return "tapejax" if backend == "tensorflow" else "tensorflow"


def _tensorflow_available(python):
    code = "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('tensorflow') else 3)"
    try:
        return subprocess.run([python, "-c", code], capture_output=True, timeout=120).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _start(backend, script, args, python, timeout):
    fd, record = tempfile.mkstemp(prefix=f"tapejax-compare-{backend}-", suffix=".jsonl")
    os.close(fd)
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    started = time.perf_counter()
    proc = subprocess.Popen([python, _CHILD, backend, record, script, *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")

    def wait():
        run = Run(backend)
        try:
            run.output, _ = proc.communicate(timeout=timeout)
            run.status = proc.returncode
        except subprocess.TimeoutExpired:
            proc.kill()  # only this child, through its own handle
            run.output, _ = proc.communicate()
            run.timed_out = True
        run.seconds = time.perf_counter() - started
        try:
            with open(record, encoding="utf-8") as f:
                entries = [json.loads(line) for line in f if line.endswith("\n")]
        finally:
            os.remove(record)
        for entry in entries:
            if "line" in entry:
                run.lines.append(Line(entry["line"], entry["at"], entry["stream"]))
            elif "exception" in entry:
                run.exception = entry
            elif "end" in entry:
                run.end, run.script_seconds = entry, entry["seconds"]
            elif "setup_error" in entry:
                run.setup_error = entry["setup_error"]
        return run

    return wait


def compare(script, args=(), rtol=1e-5, atol=1e-6, timeout=600, parallel=False, tf_python=None, ignore=()):
    """Runs `script` on real TensorFlow and on tapejax and compares what each printed.

    Args:
      script: the script's path.
      args: its arguments.
      rtol, atol: the tolerance for printed numbers (`|tapejax - tf| <= atol + rtol * |tf|`).
      timeout: seconds each run may take before it is killed.
      parallel: run both at once (faster; the wall times then share the machine).
      tf_python: the Python interpreter that has TensorFlow (default: this one).
      ignore: regular expressions; printed lines that match one (`re.search`) are left out on both
        sides (e.g. progress bars), after the runs, so the runs still list them.

    Returns:
      (tf_run, tapejax_run, divergence): two `Run`s and the first `Divergence` (None if none).
    """
    script = os.path.abspath(script)
    python = tf_python or sys.executable
    if parallel:
        waits = [_start("tensorflow", script, args, python, timeout),
                 _start("tapejax", script, args, sys.executable, timeout)]
        tf_run, tapejax_run = (w() for w in waits)
    else:
        tf_run = _start("tensorflow", script, args, python, timeout)()
        tapejax_run = _start("tapejax", script, args, sys.executable, timeout)()
    return tf_run, tapejax_run, first_divergence(tf_run, tapejax_run, rtol, atol, ignore)


def status_of(tf_run, tapejax_run, divergence):
    """The exit status `python -m tapejax.compare` reports (see the module docstring)."""
    if tf_run.setup_error is not None:
        return NO_TENSORFLOW
    if divergence is not None:
        return DIVERGED
    if any(r.timed_out or r.end is None for r in (tf_run, tapejax_run)):
        return INCOMPLETE
    return AGREE


def report(script, tf_run, tapejax_run, divergence, rtol, atol, ignore=()):
    """The human-readable report, as lines."""
    out = [f"tapejax.compare {script}",
           f"  TensorFlow: {tf_run.describe()}",
           f"  tapejax:    {tapejax_run.describe()}"]
    if tf_run.setup_error is not None:
        out.append("nothing compared: real TensorFlow could not be imported in its run")
        return out
    if divergence is None:
        if status_of(tf_run, tapejax_run, None) == INCOMPLETE:
            out.append(f"no divergence in the {min(len(tf_run.lines), len(tapejax_run.lines))} line(s) both "
                       "printed, but a run did not finish (see its output above)")
        else:
            left_out = sum(any(re.search(p, line.text) for p in ignore) for line in tf_run.lines)
            out.append(f"no divergence: {len(tf_run.lines) - left_out} printed line(s) agree (rtol={rtol:g}, "
                       f"atol={atol:g})" + (f"; {left_out} ignored" if left_out else ""))
        return out
    out.append(f"first divergence: {divergence.summary}")
    for backend in BACKENDS:
        if backend in divergence.text:
            where = divergence.at.get(backend, "?")
            out.append(f"  {NAMES[backend] + ':':12}{divergence.text[backend]!r}  (printed at {where})"
                       if divergence.kind in ("line", "extra lines") else
                       f"  {NAMES[backend] + ':':12}{divergence.text[backend]}")
    return out


def _as_json(tf_run, tapejax_run, divergence):
    def run_json(r):
        return {"finished": r.finished, "status": r.status, "timed_out": r.timed_out,
                "seconds": round(r.seconds, 3), "script_seconds": r.script_seconds,
                "exception": r.exception, "lines": [dataclasses.asdict(line) for line in r.lines]}
    return {"status": status_of(tf_run, tapejax_run, divergence),
            "tensorflow": run_json(tf_run), "tapejax": run_json(tapejax_run),
            "divergence": None if divergence is None else dataclasses.asdict(divergence)}


def _missing(namespace):
    try:
        names = _missing_api.missing(namespace)
    except ValueError as exc:
        print(f"tapejax.compare: {exc}", file=sys.stderr)
        return USAGE
    for name in names:
        print(f"{namespace}.{name}")
    return AGREE


_VALUED = ("--rtol", "--atol", "--timeout", "--tf-python", "--ignore")


def _script_position(argv):
    """The index of SCRIPT in `argv` (the first argument that is not an option or an option's value):
    everything after it belongs to the script, options included."""
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--missing":
            return None
        if arg in _VALUED:
            i += 2
            continue
        if not arg.startswith("-"):
            return i
        i += 1
    return None


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m tapejax.compare",
        description="Run a TF script on real TensorFlow and on tapejax and report the first divergence. "
                    "Exit status: 0 nothing diverged, 1 diverged, 2 bad arguments, 3 no TensorFlow, "
                    "4 a run timed out or died before any divergence.")
    parser.add_argument("--rtol", type=float, default=1e-5, help="relative tolerance of printed numbers")
    parser.add_argument("--atol", type=float, default=1e-6, help="absolute tolerance of printed numbers")
    parser.add_argument("--timeout", type=float, default=600, help="seconds each run may take (default 600)")
    parser.add_argument("--parallel", action="store_true", help="run both at once (wall times then share the CPUs)")
    parser.add_argument("--tf-python", help="the Python interpreter that has TensorFlow (default: this one)")
    parser.add_argument("--ignore", action="append", default=[], metavar="REGEX",
                        help="leave out printed lines matching REGEX on both sides (repeatable)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--missing", nargs="?", const="tf", metavar="NAMESPACE",
                        help="list the TF 2.21 names in NAMESPACE (default tf) that tapejax lacks")
    parser.add_argument("script", nargs="?", help="the TF script; the arguments after it are the script's")
    argv = sys.argv[1:] if argv is None else list(argv)
    at = _script_position(argv)
    ns = parser.parse_args(argv[:at + 1] if at is not None else argv)
    ns.args = argv[at + 1:] if at is not None else []
    if ns.missing is not None:
        return _missing(ns.missing)
    if ns.script is None:
        parser.print_usage(sys.stderr)
        print("tapejax.compare: error: a SCRIPT is needed", file=sys.stderr)
        return USAGE
    if not os.path.isfile(ns.script):
        print(f"tapejax.compare: error: no such script: {ns.script}", file=sys.stderr)
        return USAGE
    python = ns.tf_python or sys.executable
    if not _tensorflow_available(python):
        print(f"tapejax.compare: real TensorFlow cannot be imported by {python}, so there is nothing to "
              "compare against: install it (pip install tensorflow) or pass --tf-python with an "
              "interpreter that has it. `python -m tapejax.run SCRIPT` runs the script on tapejax alone.",
              file=sys.stderr)
        return NO_TENSORFLOW
    tf_run, tapejax_run, divergence = compare(ns.script, ns.args, ns.rtol, ns.atol, ns.timeout, ns.parallel,
                                              ns.tf_python, ns.ignore)
    if ns.json:
        print(json.dumps(_as_json(tf_run, tapejax_run, divergence), indent=1))
    else:
        for backend, run in (("tensorflow", tf_run), ("tapejax", tapejax_run)):
            if not run.finished and run.output.strip():
                print(f"---- output of the {NAMES[backend]} run (last 40 lines) ----")
                print("\n".join(run.output.rstrip().splitlines()[-40:]))
        print("\n".join(report(ns.script, tf_run, tapejax_run, divergence, ns.rtol, ns.atol, ns.ignore)))
    return status_of(tf_run, tapejax_run, divergence)


if __name__ == "__main__":
    sys.exit(main())
