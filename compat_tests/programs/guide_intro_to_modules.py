"""Follows tensorflow/docs, site/en/guide/intro_to_modules.ipynb (commit 7c3650212740204359d4ceae481abc79345541be):
building models from tf.Module, saving them as checkpoints and SavedModels, then the Keras equivalents.

Written for tapejax's compat suite (not a copy of the tutorial's code); synthetic data from
_synthetic.py replaces the download; sizes shrunk.

Covers: a tf.Module with trainable and non-trainable variables (trainable_variables, variables);
a hand-written dense tf.Module stacked in a sequential tf.Module (submodules, variables); a dense
module that creates its variables on first call; tf.train.Checkpoint(model=...).write,
tf.train.list_variables, restoring into a fresh not-yet-built module; a tf.function __call__ traced
for two ranks; tf.summary.create_file_writer, trace_on/trace_export with the profiler;
tf.saved_model.save/load; a Keras Layer creating tf.Variables in __init__ and one creating them in
build (and the InvalidArgumentError for a wrong input width); a registered keras.Model subclass of two
such layers; a Functional model of them with summary(); model.save(".keras") and
tf.keras.models.load_model.
(Calling a nested Python list on a Keras layer and Keras 3 model.submodules are left out: TF 2.21
raises on both.)
"""

from datetime import datetime

import numpy as np

import keras
import tensorflow as tf


class TwoVariables(tf.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.scale = tf.Variable(5.0, name="learned")
        self.offset = tf.Variable(5.0, trainable=False, name="fixed")

    def __call__(self, value):
        return self.scale * value + self.offset


two_vars = TwoVariables(name="two_vars")
two_vars(tf.constant(5.0))
print("trainable:", two_vars.trainable_variables)
print("all:", two_vars.variables)


class ReluDense(tf.Module):
    def __init__(self, in_features, out_features, name=None):
        super().__init__(name=name)
        self.w = tf.Variable(tf.random.normal([in_features, out_features]), name="w")
        self.b = tf.Variable(tf.zeros([out_features]), name="b")

    def __call__(self, inputs):
        return tf.nn.relu(tf.matmul(inputs, self.w) + self.b)


class TwoLayers(tf.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.first = ReluDense(in_features=3, out_features=3)
        self.second = ReluDense(in_features=3, out_features=2)

    def __call__(self, inputs):
        return self.second(self.first(inputs))


stack = TwoLayers(name="stack")
print("output:", stack(tf.constant([[2.0, 2.0, 2.0]])))
print("submodules:", stack.submodules)
for variable in stack.variables:
    print(variable)


class LazyReluDense(tf.Module):
    """Like ReluDense, but the input width is read from the first input."""

    def __init__(self, out_features, name=None):
        super().__init__(name=name)
        self.ready = False
        self.out_features = out_features

    def __call__(self, inputs):
        if not self.ready:
            self.w = tf.Variable(tf.random.normal([inputs.shape[-1], self.out_features]), name="w")
            self.b = tf.Variable(tf.zeros([self.out_features]), name="b")
            self.ready = True
        return tf.nn.relu(tf.matmul(inputs, self.w) + self.b)


class LazyTwoLayers(tf.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.first = LazyReluDense(out_features=3)
        self.second = LazyReluDense(out_features=2)

    def __call__(self, inputs):
        return self.second(self.first(inputs))


lazy_stack = LazyTwoLayers(name="lazy_stack")
print("output:", lazy_stack(tf.constant([[2.0, 2.0, 2.0]])))

CKPT = "lazy_ckpt"
saved_ckpt = tf.train.Checkpoint(model=lazy_stack)
saved_ckpt.write(CKPT)
tf.train.list_variables(CKPT)

lazy_copy = LazyTwoLayers()
restored_ckpt = tf.train.Checkpoint(model=lazy_copy)
restored_ckpt.restore(CKPT)
lazy_copy(tf.constant([[2.0, 2.0, 2.0]]))


class GraphTwoLayers(tf.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.first = ReluDense(in_features=3, out_features=3)
        self.second = ReluDense(in_features=3, out_features=2)

    @tf.function
    def __call__(self, inputs):
        return self.second(self.first(inputs))


graph_stack = GraphTwoLayers(name="graph_stack")
print(graph_stack([[2.0, 2.0, 2.0]]))
print(graph_stack([[[2.0, 2.0, 2.0], [2.0, 2.0, 2.0]]]))

log_dir = "logs/func/" + datetime.now().strftime("%Y%m%d-%H%M%S")
summary_writer = tf.summary.create_file_writer(log_dir)
traced_stack = GraphTwoLayers()
tf.summary.trace_on(graph=True)
tf.profiler.experimental.start(log_dir)
print(traced_stack(tf.constant([[2.0, 2.0, 2.0]])))
with summary_writer.as_default():
    tf.summary.trace_export(name="stack_trace", step=0, profiler_outdir=log_dir)

tf.saved_model.save(graph_stack, "stack_savedmodel")
loaded_stack = tf.saved_model.load("stack_savedmodel")
isinstance(loaded_stack, TwoLayers)
print(graph_stack([[2.0, 2.0, 2.0]]))


class EagerKerasDense(tf.keras.layers.Layer):
    def __init__(self, in_features, out_features, **kwargs):
        super().__init__(**kwargs)
        self.w = tf.Variable(tf.random.normal([in_features, out_features]), name="w")
        self.b = tf.Variable(tf.zeros([out_features]), name="b")

    def call(self, inputs):
        return tf.nn.relu(tf.matmul(inputs, self.w) + self.b)


eager_layer = EagerKerasDense(name="eager_layer", in_features=3, out_features=3)
eager_layer(tf.constant([[2.0, 2.0, 2.0]]))


class BuiltKerasDense(tf.keras.layers.Layer):
    def __init__(self, out_features, **kwargs):
        super().__init__(**kwargs)
        self.out_features = out_features

    def build(self, input_shape):
        self.w = tf.Variable(tf.random.normal([input_shape[-1], self.out_features]), name="w")
        self.b = tf.Variable(tf.zeros([self.out_features]), name="b")

    def call(self, inputs):
        return tf.matmul(inputs, self.w) + self.b


built_layer = BuiltKerasDense(out_features=3)
built_layer.variables
print("output:", built_layer(tf.constant([[2.0, 2.0, 2.0], [3.0, 3.0, 3.0]])))
built_layer.variables
try:
    print("output:", built_layer(tf.constant([[2.0, 2.0, 2.0, 2.0]])))
except tf.errors.InvalidArgumentError as exc:
    print("failed:", exc)


@keras.saving.register_keras_serializable()
class KerasTwoLayers(tf.keras.Model):
    def __init__(self, name=None, **kwargs):
        super().__init__(**kwargs)
        self.first = BuiltKerasDense(out_features=3)
        self.second = BuiltKerasDense(out_features=2)

    def call(self, inputs):
        return self.second(self.first(inputs))


keras_stack = KerasTwoLayers(name="keras_stack")
print("output:", keras_stack(tf.constant([[2.0, 2.0, 2.0]])))
keras_stack.variables

entry = tf.keras.Input(shape=[3])
hidden = BuiltKerasDense(3)(entry)
functional_stack = tf.keras.Model(inputs=entry, outputs=BuiltKerasDense(2)(hidden))
functional_stack.summary()
functional_stack(tf.constant([[2.0, 2.0, 2.0]]))

keras_stack.save("keras_stack.keras")
keras_stack_back = tf.keras.models.load_model("keras_stack.keras")
keras_stack_back(tf.constant([[2.0, 2.0, 2.0]]))

probe = tf.constant([[2.0, 2.0, 2.0]])
COMPAT_RESULTS = {
    "two_vars_call": two_vars(tf.constant(5.0)),
    "trainable_names": [v.name for v in two_vars.trainable_variables],
    "all_names": [v.name for v in two_vars.variables],
    "checkpoint_names": [name for name, _ in tf.train.list_variables(CKPT)],
    "restored_same": bool(np.allclose(saved_ckpt.model(probe), restored_ckpt.model(probe))),
    "graph_outputs": [graph_stack([[2.0, 2.0, 2.0]]), graph_stack([[[2.0, 2.0, 2.0], [2.0, 2.0, 2.0]]])],
    "loaded_is_two_layers": isinstance(loaded_stack, TwoLayers),
    "loaded_output": loaded_stack([[2.0, 2.0, 2.0]]),
    "built_layer_variables": len(built_layer.variables),
    "keras_stack_variables": len(keras_stack.variables),
    "functional_output": functional_stack(probe),
    "reloaded_same": bool(np.allclose(keras_stack_back(probe), keras_stack(probe))),
}
# Weights come from tf.random.normal (different generators): outputs compared by dtype and shape.
COMPAT_COMPARE = {"graph_outputs": {"shape_only": True}, "loaded_output": {"shape_only": True},
                  "functional_output": {"shape_only": True}}
