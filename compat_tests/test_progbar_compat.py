"""keras.utils.Progbar and fit's progress bar print Keras 3's text (ANSI-styled `━` bars, in-place updates).

Programs run on both backends and return what they printed, with the timings (elapsed seconds,
time per step) and the widths that depend on them (backspaces, padding) normalised.
"""

import contextlib
import io
import re

import numpy as np
import pytest

_TIMING = re.compile(r"(?<![\d.])\d+(?:ms|us|s)/step")
_ELAPSED = re.compile(r"\x1b\[1m\d+s\x1b\[0m")


def _normalised(text):
    text = _TIMING.sub("T/step", text)
    text = _ELAPSED.sub("\x1b[1mTs\x1b[0m", text)
    text = re.sub(r"(\d+/\d+ - )\d+s( -)", r"\1Ts\2", text)  # verbose=2's elapsed
    text = re.sub("\x08+", "\x08", text)  # backspaces over the previous line's width
    return re.sub(r" +(?=\x08|\n|$)", "", text)  # padding over a longer previous line


def _printed(run):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        run()
    return _normalised(out.getvalue())


SEQUENCES = {
    "averaged": [(1, [("loss", 1.0)]), (2, [("loss", 2.0)]), (3, [("loss", 0.0001)]), (4, [("loss", 4.0)])],
    "two_metrics": [(1, [("loss", 0.5), ("acc", 0.25)]), (3, [("loss", 0.25), ("acc", 0.5)]),
                    (12, [("loss", 0.125), ("acc", 0.75)])],
    "tiny_values": [(1, [("loss", 2e-4)]), (2, [("loss", -5e-5)])],
}


@pytest.mark.parametrize("name", sorted(SEQUENCES))
@pytest.mark.parametrize("target,verbose,stateful", [(4, 1, None), (12, 1, ("loss",)), (None, 1, None), (4, 2, None)],
                         ids=["bar", "stateful", "unknown_target", "verbose2"])
def test_progbar_prints_keras_3s_text(compare, name, target, verbose, stateful):
    steps = SEQUENCES[name]
    if target is not None:
        steps = [(min(step, target), values) for step, values in steps]

    def program(tf):
        def run():
            bar = tf.keras.utils.Progbar(target, verbose=verbose, interval=0, stateful_metrics=stateful)
            for step, values in steps:
                bar.update(step, values)
        return _printed(run)
    compare(program)


def test_progbar_skips_updates_within_its_interval_but_not_the_last(compare):
    def program(tf):
        def run():
            bar = tf.keras.utils.Progbar(3, interval=100)
            for step in (1, 2, 3):
                bar.update(step, [("loss", float(step))])
        return _printed(run)
    compare(program)


def test_progbar_refuses_stateful_and_stateless_metrics_together(tf):
    with pytest.raises(ValueError, match="Only one of `stateful_metrics` or `stateless_metrics`"):
        tf.keras.utils.Progbar(3, stateful_metrics=["a"], stateless_metrics=["b"])


def test_fits_progress_bar_prints_keras_3s_lines(compare):
    def program(tf):
        x = np.linspace(-1, 1, 32, dtype=np.float32).reshape(-1, 1)
        model = tf.keras.Sequential([tf.keras.Input((1,)), tf.keras.layers.Dense(1, kernel_initializer="zeros")])
        model.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse")
        text = _printed(lambda: model.fit(x, 3 * x + 0.5, epochs=2, batch_size=8, shuffle=False))
        # one in-place line per epoch; only its last update is compared (intermediate ones depend on time)
        return [segment.rsplit("\r", 1)[-1] for segment in text.split("\n")]
    compare(program)
