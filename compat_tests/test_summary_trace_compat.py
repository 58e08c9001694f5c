"""tf.summary.trace_on/trace_off/trace_export (graph traces for TensorBoard) and
tf.profiler.experimental (start/stop/Profile), compared with TF 2.21.

The graphs themselves differ (TF's GraphDef of TF ops; tapejax's of the compiled jaxpr), so the
comparisons are of the summary TF writes around them: tag, step, plugin, data class, the [1] string
tensor, and that it parses as a RunMetadata holding a graph per traced function.
"""

import glob
import os

from tensorboard.backend.event_processing import event_file_loader
from tensorboard.compat.proto import config_pb2


def _trace_summaries(logdir):
    """(step, tag, plugin, content, data class, dtype, shape, number of graphs, has an _Arg node)."""
    found = []
    for path in sorted(glob.glob(os.path.join(logdir, "events.out.tfevents.*"))):
        for event in event_file_loader.EventFileLoader(path).Load():
            if event.WhichOneof("what") != "summary":
                continue
            for value in event.summary.value:
                run_metadata = config_pb2.RunMetadata()
                run_metadata.ParseFromString(value.tensor.string_val[0])
                ops = {n.op for g in run_metadata.function_graphs for n in g.pre_optimization_graph.node}
                found.append((int(event.step), value.tag, value.metadata.plugin_data.plugin_name,
                              value.metadata.plugin_data.content, int(value.metadata.data_class),
                              int(value.tensor.dtype), [d.size for d in value.tensor.tensor_shape.dim],
                              len(run_metadata.function_graphs) > 0, "_Arg" in ops and "_Retval" in ops))
    return found


def test_trace_export_writes_the_traced_functions_graphs_as_tf(compare, tmp_path):
    def program(tf):
        logdir = str(tmp_path / tf.__name__)
        writer = tf.summary.create_file_writer(logdir)

        @tf.function
        def layer(x):
            return tf.nn.relu(tf.matmul(x, tf.ones([3, 2]))) + 1.0

        tf.summary.trace_on(graph=True)
        out = layer(tf.constant([[2.0, 2.0, 2.0]]))
        with writer.as_default():
            returned = tf.summary.trace_export(name="stack_trace", step=4)
        writer.flush()
        return out, returned, _trace_summaries(logdir)
    compare(program)


def test_trace_export_needs_trace_on_and_turns_it_off(compare, tmp_path):
    def program(tf):
        writer = tf.summary.create_file_writer(str(tmp_path / tf.__name__))
        outcomes = []
        for steps in (lambda: tf.summary.trace_export(name="none", step=0),
                      lambda: (tf.summary.trace_on(), tf.summary.trace_export(name="a", step=0),
                               tf.summary.trace_export(name="b", step=0)),
                      lambda: (tf.summary.trace_on(), tf.summary.trace_off(), tf.summary.trace_off(),
                               tf.summary.trace_export(name="c", step=0))):
            try:
                with writer.as_default():
                    steps()
                outcomes.append("returned")
            except ValueError as err:
                outcomes.append(str(err))
        return outcomes
    compare(program)


def test_a_missing_step_raises_and_leaves_the_trace_on(compare, tmp_path):
    def program(tf):
        logdir = str(tmp_path / tf.__name__)
        writer = tf.summary.create_file_writer(logdir)
        tf.summary.trace_on(graph=True)
        try:
            with writer.as_default():
                tf.summary.trace_export(name="x")
        except ValueError as err:
            message = str(err)
        with writer.as_default():
            tf.summary.trace_export(name="after", step=2)  # still on: exports, then turns off
        writer.flush()
        return message, [s[:2] for s in _trace_summaries(logdir)]
    compare(program)


def test_trace_export_without_a_writer_writes_nothing(compare, tmp_path):
    def program(tf):
        tf.summary.trace_on(graph=True)
        return tf.summary.trace_export(name="nowhere", step=0), os.listdir(tmp_path)
    compare(program)


def test_the_profiler_writes_a_profile_and_rejects_a_second_start_or_a_stop_without_start(compare, tmp_path):
    def program(tf):
        logdir = str(tmp_path / tf.__name__)
        outcomes = []
        try:
            tf.profiler.experimental.stop()
        except tf.errors.UnavailableError as err:
            outcomes.append(str(err))
        tf.profiler.experimental.start(logdir)
        try:
            tf.profiler.experimental.start(logdir)
        except tf.errors.AlreadyExistsError as err:
            outcomes.append(str(err))
        tf.reduce_sum(tf.ones([4]) * 2.0)
        tf.profiler.experimental.stop()
        with tf.profiler.experimental.Profile(logdir + "_ctx"):
            with tf.profiler.experimental.Trace("step", step_num=1):
                tf.reduce_sum(tf.ones([2]))
        profiles = [len(glob.glob(os.path.join(d, "plugins", "profile", "*", "*.xplane.pb")))
                    for d in (logdir, logdir + "_ctx")]
        return outcomes, profiles
    compare(program)
