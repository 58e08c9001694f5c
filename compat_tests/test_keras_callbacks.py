"""`tf.keras.callbacks` on TF 2.21 (Keras 3) and on tapejax: the hooks fit/evaluate/predict call and
their order, logs and params, History, and each built-in callback's decisions, files and messages."""

import contextlib
import csv
import io
import os
import shutil
import warnings

import numpy as np
import pytest

from compat_tests._harness import raises

X = np.linspace(-1.0, 1.0, 24, dtype=np.float32).reshape(12, 2)
Y = (X @ np.array([[2.0], [-1.0]], np.float32) + 0.5).astype(np.float32)


def _model(tf, lr=0.1, metrics=("mae",)):
    model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
    model.set_weights([np.array([[0.3], [0.2]], np.float32), np.zeros((1,), np.float32)])
    model.compile(optimizer=tf.keras.optimizers.SGD(lr), loss="mse", metrics=list(metrics))
    return model


def _quiet(fn):
    with contextlib.redirect_stdout(io.StringIO()):
        return fn()


def _printed(fn):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = fn()
    return out.getvalue(), result


@pytest.fixture
def workdir(tmp_path):
    path = str(tmp_path / "run")

    def fresh():
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)
        return path
    return fresh


def _recorder(tf):
    class Recorder(tf.keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.events = []

        def _log(self, name, *args):
            logs = args[-1]
            arg = args[0] if len(args) == 2 else None
            keys = None if logs is None else list(logs)
            kinds = None if logs is None else sorted({type(v).__name__ for v in logs.values()})
            self.events.append((name, arg, keys, kinds))

    hooks = ["on_train_begin", "on_train_end", "on_test_begin", "on_test_end",
             "on_predict_begin", "on_predict_end"]
    batch_hooks = ["on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
                   "on_train_batch_end", "on_test_batch_begin", "on_test_batch_end",
                   "on_predict_batch_begin", "on_predict_batch_end"]
    for h in hooks:
        setattr(Recorder, h, lambda self, logs=None, h=h: self._log(h, logs))
    for h in batch_hooks:
        setattr(Recorder, h, lambda self, i, logs=None, h=h: self._log(h, i, logs))
    return Recorder()


def test_fit_evaluate_predict_call_every_hook_in_keras_order_with_sorted_float_logs(compare):
    def program(tf):
        model = _model(tf)
        rec = _recorder(tf)
        _quiet(lambda: model.fit(X, Y, batch_size=5, epochs=2, shuffle=False,
                                 validation_data=(X[:4], Y[:4]), callbacks=[rec]))
        fit_events = list(rec.events)
        rec.events.clear()
        _quiet(lambda: model.evaluate(X, Y, batch_size=8, callbacks=[rec]))
        eval_events = list(rec.events)
        rec.events.clear()
        _quiet(lambda: model.predict(X, batch_size=8, callbacks=[rec]))
        return fit_events, eval_events, rec.events, rec.params, rec.model is model
    compare(program)


def test_history_records_epochs_params_and_is_the_models_history(compare):
    def program(tf):
        model = _model(tf)
        h = _quiet(lambda: model.fit(X, Y, batch_size=4, epochs=3, shuffle=False,
                                     validation_split=0.25))
        h0 = model.fit(X, Y, batch_size=6, epochs=2, shuffle=False, verbose=0, initial_epoch=1)
        return (list(h.history), h.history, h.epoch, h.params, model.history is h0, h0.epoch,
                h0.params, isinstance(h, tf.keras.callbacks.History),
                isinstance(h, tf.keras.callbacks.Callback))
    compare(program, rtol=1e-5)


def test_callback_base_defaults_params_and_model(compare):
    def program(tf):
        cb = tf.keras.callbacks.Callback()
        before = (cb.params, cb.model)
        cb.set_params({"epochs": 3})
        model = _model(tf)
        cb.set_model(model)
        results = [cb.on_epoch_end(0, {"loss": 1.0}), cb.on_train_batch_end(0),
                   cb.on_predict_end()]
        return before, cb.params, cb.model is model, results
    compare(program)


def test_train_batch_hooks_default_to_on_batch_begin_and_end(compare):
    def program(tf):
        seen = []

        class OldStyle(tf.keras.callbacks.Callback):
            def on_batch_begin(self, batch, logs=None):
                seen.append(("begin", batch, logs))

            def on_batch_end(self, batch, logs=None):
                seen.append(("end", batch, sorted(logs)))

        model = _model(tf)
        model.fit(X, Y, batch_size=6, epochs=1, verbose=0, callbacks=[OldStyle()])
        model.evaluate(X, Y, verbose=0, callbacks=[OldStyle()])
        return seen
    compare(program)


def test_stop_training_set_in_a_batch_hook_ends_the_epoch_and_training(compare):
    def program(tf):
        class StopAt(tf.keras.callbacks.Callback):
            def on_train_batch_end(self, batch, logs=None):
                if batch == 1:
                    self.model.stop_training = True

        model = _model(tf)
        rec = _recorder(tf)
        h = model.fit(X, Y, batch_size=3, epochs=3, verbose=0, shuffle=False,
                      callbacks=[StopAt(), rec])
        return [e[:2] for e in rec.events], h.epoch, model.stop_training
    compare(program)


def test_callback_list_flattens_adds_history_and_progbar_and_passes_params(compare):
    def program(tf):
        model = _model(tf)
        a, b = _recorder(tf), _recorder(tf)
        cbs = tf.keras.callbacks.CallbackList([a, [b]], add_history=True, add_progbar=True,
                                              model=model, verbose=0, epochs=2, steps=3)
        names = [type(c).__name__ for c in cbs.callbacks]
        cbs.on_train_begin()
        cbs.on_epoch_begin(0)
        cbs.on_train_batch_end(0, {"b": tf.constant(2.0), "a": np.float32(1.5),
                                   "nested": {"c": 3}})
        cbs.on_epoch_end(0, {"loss": tf.constant(0.5)})
        cbs.on_train_end()
        return (names, a.events, b.params, type(model.history).__name__,
                model.history.history, model.history.epoch)
    compare(program)


def test_early_stopping_decisions_epoch_by_epoch(compare):
    def program(tf):
        model = _model(tf)
        losses = [1.0, 0.9, 0.95, 0.899, 0.91, 0.92, 0.93, 0.5]
        runs = []
        for kwargs in [dict(monitor="loss", patience=2),
                       dict(monitor="loss", patience=2, min_delta=0.01),
                       dict(monitor="loss", patience=0),
                       dict(monitor="loss", patience=3, baseline=0.8),
                       dict(monitor="loss", patience=1, start_from_epoch=3),
                       dict(monitor="acc", patience=1, mode="max"),
                       dict(monitor="loss", patience=1, mode="max")]:
            es = tf.keras.callbacks.EarlyStopping(**kwargs)
            es.set_model(model)
            model.stop_training = False
            es.on_train_begin()
            trace = []
            for epoch, loss in enumerate(losses):
                es.on_epoch_end(epoch, {"loss": loss, "acc": 1.0 - loss})
                trace.append((es.wait, es.best, model.stop_training, es.stopped_epoch))
                if model.stop_training:
                    break
            runs.append(trace)
        return runs
    compare(program)


def test_early_stopping_in_fit_stops_restores_best_weights_and_prints_keras_messages(compare):
    def program(tf):
        model = _model(tf, lr=1.5)  # diverges: the loss grows after the first epoch
        start = model.get_weights()
        es = tf.keras.callbacks.EarlyStopping(monitor="loss", patience=2, verbose=1,
                                              restore_best_weights=True)
        text, h = _printed(lambda: model.fit(X, Y, batch_size=12, epochs=10, verbose=0,
                                             shuffle=False, callbacks=[es]))
        return (text, h.epoch, es.stopped_epoch, es.best_epoch, es.wait,
                [np.asarray(w) for w in model.get_weights()], [np.asarray(w) for w in start])
    compare(program, rtol=1e-4)


def test_early_stopping_on_a_missing_metric_warns_and_auto_mode_needs_a_known_direction(compare):
    def program(tf):
        model = _model(tf)
        es = tf.keras.callbacks.EarlyStopping(monitor="nope")
        es.set_model(model)
        es.on_train_begin()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                es.on_epoch_end(0, {"loss": 1.0})
                outcome = "ok"
            except ValueError as e:
                outcome = str(e)
        return outcome, [str(w.message) for w in caught]
    compare(program)


def test_early_stopping_val_metric_direction_from_compiled_metrics(compare):
    def program(tf):
        model = _model(tf, metrics=("accuracy", "mae"))
        _quiet(lambda: model.fit(X, Y, epochs=1, verbose=0))
        out = []
        for monitor in ["val_accuracy", "mae", "val_loss"]:
            es = tf.keras.callbacks.EarlyStopping(monitor=monitor, patience=0)
            es.set_model(model)
            es.on_train_begin()
            model.stop_training = False
            es.on_epoch_end(0, {monitor: 0.5})
            es.on_epoch_end(1, {monitor: 0.6})
            out.append((es.best, model.stop_training))
        return out
    compare(program)


def test_model_checkpoint_formats_names_and_saves_each_epoch(compare, workdir):
    def program(tf):
        d = workdir()
        model = _model(tf)
        path = os.path.join(d, "ck", "w-{epoch:02d}-{val_loss:.2f}.weights.h5")
        cb = tf.keras.callbacks.ModelCheckpoint(path, save_weights_only=True, verbose=1)
        text, _ = _printed(lambda: model.fit(X, Y, batch_size=6, epochs=3, verbose=0,
                                             shuffle=False, validation_data=(X, Y),
                                             callbacks=[cb]))
        names = sorted(os.listdir(os.path.join(d, "ck")))
        fresh = _model(tf)
        fresh.load_weights(os.path.join(d, "ck", names[-1]))
        return (names, text.replace(d, "<d>"),
                [np.asarray(a) for a in fresh.get_weights()],
                [np.asarray(a) for a in model.get_weights()])
    compare(program)


def test_model_checkpoint_save_best_only_messages_and_decisions(compare, workdir):
    def program(tf):
        d = workdir()
        model = _model(tf)
        path = os.path.join(d, "best.weights.h5")
        cb = tf.keras.callbacks.ModelCheckpoint(path, monitor="val_loss", save_best_only=True,
                                                save_weights_only=True, verbose=1)
        cb.set_model(model)
        lines = []
        for epoch, loss in enumerate([0.5, 0.7, 0.4]):
            cb.on_epoch_begin(epoch)
            text, _ = _printed(lambda e=epoch, v=loss: cb.on_epoch_end(e, {"val_loss": v}))
            lines.append((text.replace(d, "<d>"), os.path.exists(path), cb.best))
        maxed = tf.keras.callbacks.ModelCheckpoint(path, monitor="acc", mode="max",
                                                   save_best_only=True, save_weights_only=True)
        maxed.set_model(model)
        decisions = []
        for epoch, acc in enumerate([0.5, 0.4, 0.9]):
            maxed.on_epoch_end(epoch, {"acc": acc})
            decisions.append(maxed.best)
        return lines, decisions
    compare(program)


def test_model_checkpoint_save_freq_in_batches(compare, workdir):
    def program(tf):
        d = workdir()
        model = _model(tf)
        path = os.path.join(d, "cp-{epoch:04d}-{batch}.weights.h5")
        cb = tf.keras.callbacks.ModelCheckpoint(path, save_weights_only=True, save_freq=3)
        model.fit(X, Y, batch_size=2, epochs=2, verbose=0, shuffle=False, callbacks=[cb])
        return sorted(os.listdir(d))
    compare(program)


def test_model_checkpoint_argument_errors(compare):
    def program(tf):
        out = []
        for kwargs in [dict(filepath="w.h5", save_weights_only=True),
                       dict(filepath="model.weights"),
                       dict(filepath="m.keras", save_freq="batch")]:
            try:
                tf.keras.callbacks.ModelCheckpoint(**kwargs)
                out.append("ok")
            except ValueError as e:
                out.append(str(e))
        return out
    compare(program)


def test_model_checkpoint_unknown_format_key_raises_key_error(compare, workdir):
    @raises("KeyError")
    def program(tf):
        d = workdir()
        model = _model(tf)
        cb = tf.keras.callbacks.ModelCheckpoint(os.path.join(d, "{nope}.weights.h5"),
                                                save_weights_only=True)
        model.fit(X, Y, epochs=1, verbose=0, callbacks=[cb])
    compare(program, messages=False)


def test_learning_rate_scheduler_sets_and_logs_the_rate(compare):
    def program(tf):
        model = _model(tf)
        sched = tf.keras.callbacks.LearningRateScheduler(
            lambda epoch, lr: lr if epoch < 1 else lr * 0.5, verbose=1)
        text, h = _printed(lambda: model.fit(X, Y, batch_size=6, epochs=3, verbose=0,
                                             shuffle=False, callbacks=[sched]))
        one_arg = tf.keras.callbacks.LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))
        h2 = model.fit(X, Y, epochs=2, verbose=0, callbacks=[one_arg])
        bad = tf.keras.callbacks.LearningRateScheduler(lambda epoch: 1)
        try:
            model.fit(X, Y, epochs=1, verbose=0, callbacks=[bad])
            error = None
        except ValueError as e:
            error = str(e)
        return (text, list(h.history), h.history["learning_rate"], h.history["loss"],
                h2.history["learning_rate"],
                float(np.asarray(model.optimizer.learning_rate)), error)
    compare(program, rtol=1e-5)


def test_reduce_lr_on_plateau_decisions_and_messages(compare):
    def program(tf):
        model = _model(tf)
        cb = tf.keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1,
                                                  cooldown=1, min_lr=0.02, verbose=1)
        cb.set_model(model)
        cb.on_train_begin()
        out = []
        for epoch, v in enumerate([1.0, 1.0, 1.0, 1.0, 0.5, 0.6, 0.7, 0.8, 0.9]):
            logs = {"val_loss": v}
            text, _ = _printed(lambda e=epoch, lg=logs: cb.on_epoch_end(e, lg))
            out.append((text, sorted(logs), logs["learning_rate"], cb.wait,
                        cb.cooldown_counter, cb.best))
        try:
            tf.keras.callbacks.ReduceLROnPlateau(factor=1.0)
        except ValueError as e:
            out.append(str(e))
        return out
    compare(program, rtol=1e-6)


def test_lambda_callback_hooks_and_extra_keyword_hooks(compare):
    def program(tf):
        seen = []
        cb = tf.keras.callbacks.LambdaCallback(
            on_train_begin=lambda logs: seen.append(("train_begin", logs)),
            on_epoch_end=lambda epoch, logs: seen.append(("epoch_end", epoch, sorted(logs))),
            on_train_batch_end=lambda batch, logs: seen.append(("batch_end", batch)),
            on_test_end=lambda logs: seen.append(("test_end", sorted(logs))))
        model = _model(tf)
        model.fit(X, Y, batch_size=6, epochs=2, verbose=0, validation_data=(X, Y),
                  callbacks=[cb])
        return seen
    compare(program)


def test_terminate_on_nan_stops_training_or_raises(compare):
    def program(tf):
        x = X.copy()
        x[7, 0] = np.nan
        model = _model(tf)
        text, h = _printed(lambda: model.fit(x, Y, batch_size=4, epochs=3, verbose=0,
                                             shuffle=False,
                                             callbacks=[tf.keras.callbacks.TerminateOnNaN()]))
        try:
            _model(tf).fit(x, Y, batch_size=4, epochs=3, verbose=0, shuffle=False,
                           callbacks=[tf.keras.callbacks.TerminateOnNaN(raise_error=True)])
            error = None
        except RuntimeError as e:
            error = str(e)
        return text, h.epoch, error
    compare(program)


def _read_csv(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    return rows[0], [[float(v) if v != "NA" else v for v in row] for row in rows[1:]]


def test_csv_logger_writes_sorted_columns_and_appends(compare, workdir):
    def program(tf):
        d = workdir()
        path = os.path.join(d, "log.csv")
        model = _model(tf)
        model.fit(X, Y, batch_size=6, epochs=2, verbose=0, shuffle=False,
                  callbacks=[tf.keras.callbacks.CSVLogger(path)])
        first = _read_csv(path)
        model.fit(X, Y, batch_size=6, epochs=1, verbose=0, shuffle=False, validation_data=(X, Y),
                  callbacks=[tf.keras.callbacks.CSVLogger(path, append=True)])
        appended = _read_csv(path)
        semi = os.path.join(d, "semi.csv")
        model.fit(X, Y, epochs=1, verbose=0, validation_data=(X, Y),
                  callbacks=[tf.keras.callbacks.CSVLogger(semi, separator=";")])
        with open(semi) as f:
            header = f.readline()
        return first, appended, header
    compare(program, rtol=1e-5)


def test_progbar_logger_prints_epoch_lines_only_for_several_epochs(compare):
    def program(tf):
        model = _model(tf)
        one, _ = _printed(lambda: model.fit(X, Y, epochs=1, verbose=2))
        two, _ = _printed(lambda: model.fit(X, Y, epochs=2, verbose=2))
        silent, _ = _printed(lambda: model.fit(X, Y, epochs=2, verbose=0))
        return ("Epoch 1/1" in one, two.count("Epoch "), "Epoch 2/2" in two, silent)
    compare(program)


def test_tensorboard_writes_epoch_scalars_to_train_and_validation(compare, workdir):
    pytest.importorskip("tensorboard")
    from compat_tests.test_summary_compat import read_events

    def program(tf):
        d = workdir()
        model = _model(tf)
        cb = tf.keras.callbacks.TensorBoard(log_dir=d, write_graph=False)
        model.fit(X, Y, batch_size=6, epochs=2, verbose=0, shuffle=False,
                  validation_data=(X[:6], Y[:6]), callbacks=[cb])
        train = read_events(os.path.join(d, "train"))
        val = read_events(os.path.join(d, "validation"))
        return ({k: v for k, v in train.items() if not k.startswith("__")},
                {k: v for k, v in val.items() if not k.startswith("__")},
                sorted(os.listdir(d)))
    compare(program, rtol=1e-5)


def test_tensorboard_batch_scalars_every_update_freq_batches(compare, workdir):
    pytest.importorskip("tensorboard")
    from compat_tests.test_summary_compat import read_events

    def program(tf):
        d = workdir()
        model = _model(tf)
        cb = tf.keras.callbacks.TensorBoard(log_dir=d, write_graph=False, update_freq=2)
        model.fit(X, Y, batch_size=2, epochs=1, verbose=0, shuffle=False, callbacks=[cb])
        train = read_events(os.path.join(d, "train"))
        return {k: [s for s, _ in v] for k, v in train.items() if not k.startswith("__")}
    compare(program)
