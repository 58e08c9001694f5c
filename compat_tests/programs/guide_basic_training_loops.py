"""Basic training loops (TF guide).

Source: tensorflow/docs, site/en/guide/basic_training_loops.ipynb, commit 7c3650212740204359d4ceae481abc79345541be.
The notebook's code cells in order (`# [cell N]` counts code cells from 0, the license cell left out).
Changes:
  - removed plotting/display/notebook-magic lines: cell 0 (2), cell 2 (2), cell 5 (5), cell 9 (8), cell 10 (5)
  - cell 11: save_weights("my_checkpoint") -> "my_checkpoint.weights.h5" (Keras 3 in TF 2.21 requires the suffix)
  - cell 12: tf.keras.losses.mean_squared_error -> tf.keras.losses.MSE (TF 2.21 has only the alias; the original raises AttributeError)
  - cell 13: the result of fit(...) kept as `history`
  - added at the end: COMPAT_RESULTS (what the original prints) and COMPAT_COMPARE
"""

# [cell 0]
import tensorflow as tf



# [cell 1]
# The actual line
TRUE_W = 3.0
TRUE_B = 2.0

NUM_EXAMPLES = 201

# A vector of random x values
x = tf.linspace(-2,2, NUM_EXAMPLES)
x = tf.cast(x, tf.float32)

def f(x):
  return x * TRUE_W + TRUE_B

# Generate some noise
noise = tf.random.normal(shape=[NUM_EXAMPLES])

# Calculate y
y = f(x) + noise

# [cell 2]
# Plot all the data

# [cell 3]
class MyModel(tf.Module):
  def __init__(self, **kwargs):
    super().__init__(**kwargs)
    # Initialize the weights to `5.0` and the bias to `0.0`
    # In practice, these should be randomly initialized
    self.w = tf.Variable(5.0)
    self.b = tf.Variable(0.0)

  def __call__(self, x):
    return self.w * x + self.b

model = MyModel()

# List the variables tf.modules's built-in variable aggregation.
print("Variables:", model.variables)

# Verify the model works
assert model(3.0).numpy() == 15.0

# [cell 4]
# This computes a single loss value for an entire batch
def loss(target_y, predicted_y):
  return tf.reduce_mean(tf.square(target_y - predicted_y))

# [cell 5]

print("Current loss: %1.6f" % loss(y, model(x)).numpy())

# [cell 6]
# Given a callable model, inputs, outputs, and a learning rate...
def train(model, x, y, learning_rate):

  with tf.GradientTape() as t:
    # Trainable variables are automatically tracked by GradientTape
    current_loss = loss(y, model(x))

  # Use GradientTape to calculate the gradients with respect to W and b
  dw, db = t.gradient(current_loss, [model.w, model.b])

  # Subtract the gradient scaled by the learning rate
  model.w.assign_sub(learning_rate * dw)
  model.b.assign_sub(learning_rate * db)

# [cell 7]
model = MyModel()

# Collect the history of W-values and b-values to plot later
weights = []
biases = []
epochs = range(10)

# Define a training loop
def report(model, loss):
  return f"W = {model.w.numpy():1.2f}, b = {model.b.numpy():1.2f}, loss={loss:2.5f}"


def training_loop(model, x, y):

  for epoch in epochs:
    # Update the model with the single giant batch
    train(model, x, y, learning_rate=0.1)

    # Track this before I update
    weights.append(model.w.numpy())
    biases.append(model.b.numpy())
    current_loss = loss(y, model(x))

    print(f"Epoch {epoch:2d}:")
    print("    ", report(model, current_loss))

# [cell 8]
current_loss = loss(y, model(x))

print(f"Starting:")
print("    ", report(model, current_loss))

training_loop(model, x, y)

# [cell 9]



# [cell 10]

print("Current loss: %1.6f" % loss(model(x), y).numpy())

# [cell 11]
class MyModelKeras(tf.keras.Model):
  def __init__(self, **kwargs):
    super().__init__(**kwargs)
    # Initialize the weights to `5.0` and the bias to `0.0`
    # In practice, these should be randomly initialized
    self.w = tf.Variable(5.0)
    self.b = tf.Variable(0.0)

  def call(self, x):
    return self.w * x + self.b

keras_model = MyModelKeras()

# Reuse the training loop with a Keras model
training_loop(keras_model, x, y)

# You can also save a checkpoint using Keras's built-in support
keras_model.save_weights("my_checkpoint.weights.h5")

# [cell 12]
keras_model = MyModelKeras()

# compile sets the training parameters
keras_model.compile(
    # By default, fit() uses tf.function().  You can
    # turn that off for debugging, but it is on now.
    run_eagerly=False,

    # Using a built-in optimizer, configuring as an object
    optimizer=tf.keras.optimizers.SGD(learning_rate=0.1),

    # Keras comes with built-in MSE error
    # However, you could use the loss function
    # defined above
    loss=tf.keras.losses.MSE,
)

# [cell 13]
print(x.shape[0])
history = keras_model.fit(x, y, epochs=10, batch_size=1000)

# [added for the compat suite]
COMPAT_RESULTS = {
    "w": model.w, "b": model.b, "loss": loss(model(x), y),
    "keras_w": keras_model.w, "keras_b": keras_model.b, "fit_losses": history.history["loss"][-1],
}
# tf.random.normal noise differs between frameworks: compare the fitted line, not the bits.
COMPAT_COMPARE = {"w": {"within": 0.3}, "b": {"within": 0.3}, "loss": {"within": 0.4, "below": 2.0},
                  "keras_w": {"within": 0.3}, "keras_b": {"within": 0.3}, "fit_losses": {"within": 0.4, "below": 2.0}}
