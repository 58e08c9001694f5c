"""TensorFlow basics (TF guide).

Source: tensorflow/docs, site/en/guide/basics.ipynb, commit 7c3650212740204359d4ceae481abc79345541be.
The notebook's code cells in order (`# [cell N]` counts code cells from 0, the license cell left out).
Changes:
  - removed plotting/display/notebook-magic lines: cell 24 (2), cell 25 (3), cell 28 (6), cell 32 (4), cell 36 (5)
  - cell 24: matplotlib.rcParams line removed; cell 28: plot_preds' plotting body replaced by `pass`
  - cells 32, 35: epochs 100 -> 20
  - added at the end: COMPAT_RESULTS (what the original prints) and COMPAT_COMPARE
"""

# [cell 0]
import tensorflow as tf

x = tf.constant([[1., 2., 3.],
                 [4., 5., 6.]])

print(x)
print(x.shape)
print(x.dtype)

# [cell 1]
x + x

# [cell 2]
5 * x

# [cell 3]
x @ tf.transpose(x)

# [cell 4]
tf.concat([x, x, x], axis=0)

# [cell 5]
tf.nn.softmax(x, axis=-1)

# [cell 6]
tf.reduce_sum(x)

# [cell 7]
tf.convert_to_tensor([1,2,3])

# [cell 8]
tf.reduce_sum([1,2,3])

# [cell 9]
if tf.config.list_physical_devices('GPU'):
  print("TensorFlow **IS** using the GPU")
else:
  print("TensorFlow **IS NOT** using the GPU")

# [cell 10]
var = tf.Variable([0.0, 0.0, 0.0])

# [cell 11]
var.assign([1, 2, 3])

# [cell 12]
var.assign_add([1, 1, 1])

# [cell 13]
x = tf.Variable(1.0)

def f(x):
  y = x**2 + 2*x - 5
  return y

# [cell 14]
f(x)

# [cell 15]
with tf.GradientTape() as tape:
  y = f(x)

g_x = tape.gradient(y, x)  # g(x) = dy/dx

g_x

# [cell 16]
@tf.function
def my_func(x):
  print('Tracing.\n')
  return tf.reduce_sum(x)

# [cell 17]
x = tf.constant([1, 2, 3])
my_func(x)

# [cell 18]
x = tf.constant([10, 9, 8])
my_func(x)

# [cell 19]
x = tf.constant([10.0, 9.1, 8.2], dtype=tf.float32)
my_func(x)

# [cell 20]
class MyModule(tf.Module):
  def __init__(self, value):
    self.weight = tf.Variable(value)

  @tf.function
  def multiply(self, x):
    return x * self.weight

# [cell 21]
mod = MyModule(3)
mod.multiply(tf.constant([1, 2, 3]))

# [cell 22]
save_path = './saved'
tf.saved_model.save(mod, save_path)

# [cell 23]
reloaded = tf.saved_model.load(save_path)
reloaded.multiply(tf.constant([1, 2, 3]))

# [cell 24]


# [cell 25]
x = tf.linspace(-2, 2, 201)
x = tf.cast(x, tf.float32)

def f(x):
  y = x**2 + 2*x - 5
  return y

y = f(x) + tf.random.normal(shape=[201])


# [cell 26]
class Model(tf.Module):

  def __init__(self):
    # Randomly generate weight and bias terms
    rand_init = tf.random.uniform(shape=[3], minval=0., maxval=5., seed=22)
    # Initialize model parameters
    self.w_q = tf.Variable(rand_init[0])
    self.w_l = tf.Variable(rand_init[1])
    self.b = tf.Variable(rand_init[2])
  
  @tf.function
  def __call__(self, x):
    # Quadratic Model : quadratic_weight * x^2 + linear_weight * x + bias
    return self.w_q * (x**2) + self.w_l * x + self.b

# [cell 27]
quad_model = Model()

# [cell 28]
def plot_preds(x, y, f, model, title):
  pass  # [adapted] the body only plotted

# [cell 29]
plot_preds(x, y, f, quad_model, 'Before training')

# [cell 30]
def mse_loss(y_pred, y):
  return tf.reduce_mean(tf.square(y_pred - y))

# [cell 31]
batch_size = 32
dataset = tf.data.Dataset.from_tensor_slices((x, y))
dataset = dataset.shuffle(buffer_size=x.shape[0]).batch(batch_size)

# [cell 32]
# Set training parameters
epochs = 20
learning_rate = 0.01
losses = []

# Format training loop
for epoch in range(epochs):
  for x_batch, y_batch in dataset:
    with tf.GradientTape() as tape:
      batch_loss = mse_loss(quad_model(x_batch), y_batch)
    # Update parameters with respect to the gradient calculations
    grads = tape.gradient(batch_loss, quad_model.variables)
    for g,v in zip(grads, quad_model.variables):
        v.assign_sub(learning_rate*g)
  # Keep track of model loss per epoch
  loss = mse_loss(quad_model(x), y)
  losses.append(loss)
  if epoch % 10 == 0:
    print(f'Mean squared error for step {epoch}: {loss.numpy():0.3f}')

# Plot model results
print("\n")

# [cell 33]
plot_preds(x, y, f, quad_model, 'After training')

# [cell 34]
new_model = tf.keras.Sequential([
    tf.keras.layers.Lambda(lambda x: tf.stack([x, x**2], axis=1)),
    tf.keras.layers.Dense(units=1, kernel_initializer=tf.random.normal)])

# [cell 35]
new_model.compile(
    loss=tf.keras.losses.MSE,
    optimizer=tf.keras.optimizers.SGD(learning_rate=0.01))

history = new_model.fit(x, y,
                        epochs=20,
                        batch_size=32,
                        verbose=0)

new_model.save('./my_new_model.keras')

# [cell 36]


# [cell 37]
plot_preds(x, y, f, new_model, 'After Training: Keras')

# [added for the compat suite]
_x = tf.constant([[1., 2., 3.], [4., 5., 6.]])
COMPAT_RESULTS = {
    "cells_1_8": [_x + _x, 5 * _x, _x @ tf.transpose(_x), tf.concat([_x, _x, _x], axis=0), tf.nn.softmax(_x, axis=-1),
                  tf.reduce_sum(_x), tf.convert_to_tensor([1, 2, 3]), tf.reduce_sum([1, 2, 3])],
    "var": var, "g_x": g_x, "my_func": my_func(tf.constant([10.0, 9.1, 8.2], dtype=tf.float32)),
    "multiply": mod.multiply(tf.constant([1, 2, 3])), "reloaded": reloaded.multiply(tf.constant([1, 2, 3])),
    "final_loss": losses[-1], "keras_loss": history.history["loss"][-1],
    "keras_saved": __import__("os").path.exists('./my_new_model.keras'),
}
# y has tf.random.normal noise and the weights random initial values: losses compared with bounds.
COMPAT_COMPARE = {"final_loss": {"below": 3.0, "within": 1.5}, "keras_loss": {"below": 6.0, "within": 3.0}}
