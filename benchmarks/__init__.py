"""Side-by-side benchmarks of tapejax against TF eager, tf.function, jax.jit and PyTorch."""
