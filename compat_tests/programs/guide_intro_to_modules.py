"""Introduction to modules, layers, and models (TF guide).

Source: tensorflow/docs, site/en/guide/intro_to_modules.ipynb, commit 7c3650212740204359d4ceae481abc79345541be.
The notebook's code cells in order (`# [cell N]` counts code cells from 0, the license cell left out).
Changes:
  - removed plotting/display/notebook-magic lines: cell 0 (1), cell 10 (1), cell 16 (1), cell 18 (1), cell 19 (1)
  - cell 24: simple_layer([[2.0, 2.0, 2.0]]) -> simple_layer(tf.constant([[2.0, 2.0, 2.0]])) (Keras 3 in TF 2.21 raises
    ValueError on a nested-list input)
  - cell 32 removed: `my_sequential_model.submodules` raises AttributeError on TF 2.21 (Keras 3)
  - added at the end: COMPAT_RESULTS (what the original prints) and COMPAT_COMPARE
"""

# [cell 0]
import tensorflow as tf
import keras
from datetime import datetime


# [cell 1]
class SimpleModule(tf.Module):
  def __init__(self, name=None):
    super().__init__(name=name)
    self.a_variable = tf.Variable(5.0, name="train_me")
    self.non_trainable_variable = tf.Variable(5.0, trainable=False, name="do_not_train_me")
  def __call__(self, x):
    return self.a_variable * x + self.non_trainable_variable

simple_module = SimpleModule(name="simple")

simple_module(tf.constant(5.0))

# [cell 2]
# All trainable variables
print("trainable variables:", simple_module.trainable_variables)
# Every variable
print("all variables:", simple_module.variables)

# [cell 3]
class Dense(tf.Module):
  def __init__(self, in_features, out_features, name=None):
    super().__init__(name=name)
    self.w = tf.Variable(
      tf.random.normal([in_features, out_features]), name='w')
    self.b = tf.Variable(tf.zeros([out_features]), name='b')
  def __call__(self, x):
    y = tf.matmul(x, self.w) + self.b
    return tf.nn.relu(y)

# [cell 4]
class SequentialModule(tf.Module):
  def __init__(self, name=None):
    super().__init__(name=name)

    self.dense_1 = Dense(in_features=3, out_features=3)
    self.dense_2 = Dense(in_features=3, out_features=2)

  def __call__(self, x):
    x = self.dense_1(x)
    return self.dense_2(x)

# You have made a model!
my_model = SequentialModule(name="the_model")

# Call it, with random results
print("Model results:", my_model(tf.constant([[2.0, 2.0, 2.0]])))

# [cell 5]
print("Submodules:", my_model.submodules)

# [cell 6]
for var in my_model.variables:
  print(var, "\n")

# [cell 7]
class FlexibleDenseModule(tf.Module):
  # Note: No need for `in_features`
  def __init__(self, out_features, name=None):
    super().__init__(name=name)
    self.is_built = False
    self.out_features = out_features

  def __call__(self, x):
    # Create variables on first call.
    if not self.is_built:
      self.w = tf.Variable(
        tf.random.normal([x.shape[-1], self.out_features]), name='w')
      self.b = tf.Variable(tf.zeros([self.out_features]), name='b')
      self.is_built = True

    y = tf.matmul(x, self.w) + self.b
    return tf.nn.relu(y)

# [cell 8]
# Used in a module
class MySequentialModule(tf.Module):
  def __init__(self, name=None):
    super().__init__(name=name)

    self.dense_1 = FlexibleDenseModule(out_features=3)
    self.dense_2 = FlexibleDenseModule(out_features=2)

  def __call__(self, x):
    x = self.dense_1(x)
    return self.dense_2(x)

my_model = MySequentialModule(name="the_model")
print("Model results:", my_model(tf.constant([[2.0, 2.0, 2.0]])))

# [cell 9]
chkp_path = "my_checkpoint"
checkpoint = tf.train.Checkpoint(model=my_model)
checkpoint.write(chkp_path)

# [cell 10]


# [cell 11]
tf.train.list_variables(chkp_path)

# [cell 12]
new_model = MySequentialModule()
new_checkpoint = tf.train.Checkpoint(model=new_model)
new_checkpoint.restore("my_checkpoint")

# Should be the same result as above
new_model(tf.constant([[2.0, 2.0, 2.0]]))

# [cell 13]
class MySequentialModule(tf.Module):
  def __init__(self, name=None):
    super().__init__(name=name)

    self.dense_1 = Dense(in_features=3, out_features=3)
    self.dense_2 = Dense(in_features=3, out_features=2)

  @tf.function
  def __call__(self, x):
    x = self.dense_1(x)
    return self.dense_2(x)

# You have made a model with a graph!
my_model = MySequentialModule(name="the_model")

# [cell 14]
print(my_model([[2.0, 2.0, 2.0]]))
print(my_model([[[2.0, 2.0, 2.0], [2.0, 2.0, 2.0]]]))

# [cell 15]
# Set up logging.
stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
logdir = "logs/func/%s" % stamp
writer = tf.summary.create_file_writer(logdir)

# Create a new model to get a fresh trace
# Otherwise the summary will not see the graph.
new_model = MySequentialModule()

# Bracket the function call with
# tf.summary.trace_on() and tf.summary.trace_export().
tf.summary.trace_on(graph=True)
tf.profiler.experimental.start(logdir)
# Call only one tf.function when tracing.
z = print(new_model(tf.constant([[2.0, 2.0, 2.0]])))
with writer.as_default():
  tf.summary.trace_export(
      name="my_func_trace",
      step=0,
      profiler_outdir=logdir)

# [cell 16]
#docs_infra: no_execute

# [cell 17]
tf.saved_model.save(my_model, "the_saved_model")

# [cell 18]
# Inspect the SavedModel in the directory

# [cell 19]
# The variables/ directory contains a checkpoint of the variables 

# [cell 20]
new_model = tf.saved_model.load("the_saved_model")

# [cell 21]
isinstance(new_model, SequentialModule)

# [cell 22]
print(my_model([[2.0, 2.0, 2.0]]))
print(my_model([[[2.0, 2.0, 2.0], [2.0, 2.0, 2.0]]]))

# [cell 23]
class MyDense(tf.keras.layers.Layer):
  # Adding **kwargs to support base Keras layer arguments
  def __init__(self, in_features, out_features, **kwargs):
    super().__init__(**kwargs)

    # This will soon move to the build step; see below
    self.w = tf.Variable(
      tf.random.normal([in_features, out_features]), name='w')
    self.b = tf.Variable(tf.zeros([out_features]), name='b')
  def call(self, x):
    y = tf.matmul(x, self.w) + self.b
    return tf.nn.relu(y)

simple_layer = MyDense(name="simple", in_features=3, out_features=3)

# [cell 24]
simple_layer(tf.constant([[2.0, 2.0, 2.0]]))

# [cell 25]
class FlexibleDense(tf.keras.layers.Layer):
  # Note the added `**kwargs`, as Keras supports many arguments
  def __init__(self, out_features, **kwargs):
    super().__init__(**kwargs)
    self.out_features = out_features

  def build(self, input_shape):  # Create the state of the layer (weights)
    self.w = tf.Variable(
      tf.random.normal([input_shape[-1], self.out_features]), name='w')
    self.b = tf.Variable(tf.zeros([self.out_features]), name='b')

  def call(self, inputs):  # Defines the computation from inputs to outputs
    return tf.matmul(inputs, self.w) + self.b

# Create the instance of the layer
flexible_dense = FlexibleDense(out_features=3)

# [cell 26]
flexible_dense.variables

# [cell 27]
# Call it, with predictably random results
print("Model results:", flexible_dense(tf.constant([[2.0, 2.0, 2.0], [3.0, 3.0, 3.0]])))

# [cell 28]
flexible_dense.variables

# [cell 29]
try:
  print("Model results:", flexible_dense(tf.constant([[2.0, 2.0, 2.0, 2.0]])))
except tf.errors.InvalidArgumentError as e:
  print("Failed:", e)

# [cell 30]
@keras.saving.register_keras_serializable()
class MySequentialModel(tf.keras.Model):
  def __init__(self, name=None, **kwargs):
    super().__init__(**kwargs)

    self.dense_1 = FlexibleDense(out_features=3)
    self.dense_2 = FlexibleDense(out_features=2)
  def call(self, x):
    x = self.dense_1(x)
    return self.dense_2(x)

# You have made a Keras model!
my_sequential_model = MySequentialModel(name="the_model")

# Call it on a tensor, with random results
print("Model results:", my_sequential_model(tf.constant([[2.0, 2.0, 2.0]])))

# [cell 31]
my_sequential_model.variables

# [cell 32] removed: Keras 3 models in TF 2.21 have no `.submodules` (AttributeError on real TF)

# [cell 33]
inputs = tf.keras.Input(shape=[3,])

x = FlexibleDense(3)(inputs)
x = FlexibleDense(2)(x)

my_functional_model = tf.keras.Model(inputs=inputs, outputs=x)

my_functional_model.summary()

# [cell 34]
my_functional_model(tf.constant([[2.0, 2.0, 2.0]]))

# [cell 35]
my_sequential_model.save("exname_of_file.keras")

# [cell 36]
reconstructed_model = tf.keras.models.load_model("exname_of_file.keras")

# [cell 37]
reconstructed_model(tf.constant([[2.0, 2.0, 2.0]]))

# [added for the compat suite]
import numpy as np  # noqa: E402
_x = tf.constant([[2.0, 2.0, 2.0]])
COMPAT_RESULTS = {
    "simple_call": simple_module(tf.constant(5.0)),
    "trainable_names": [v.name for v in simple_module.trainable_variables],
    "all_names": [v.name for v in simple_module.variables],
    "checkpoint_names": [name for name, _ in tf.train.list_variables(chkp_path)],
    "restored_same": bool(np.allclose(checkpoint.model(_x), new_checkpoint.model(_x))),
    "function_outputs": [my_model([[2.0, 2.0, 2.0]]), my_model([[[2.0, 2.0, 2.0], [2.0, 2.0, 2.0]]])],
    "loaded_is_sequential_module": isinstance(new_model, SequentialModule),
    "loaded_output": new_model([[2.0, 2.0, 2.0]]),
    "flexible_dense_variables": len(flexible_dense.variables),
    "sequential_model_variables": len(my_sequential_model.variables),
    "functional_output": my_functional_model(_x),
    "reconstructed_same": bool(np.allclose(reconstructed_model(_x), my_sequential_model(_x))),
}
# Weights come from tf.random.normal (different generators): outputs compared by dtype and shape.
COMPAT_COMPARE = {"function_outputs": {"shape_only": True}, "loaded_output": {"shape_only": True},
                  "functional_output": {"shape_only": True}}
