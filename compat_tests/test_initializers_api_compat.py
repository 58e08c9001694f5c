"""TF 2's top-level initializer classes (tf.random_normal_initializer, ...), as TF programs pass them to
Keras layers (pix2pix: kernel_initializer=tf.random_normal_initializer(0., 0.02))."""


def test_tf2_initializers_have_tfs_names_configs_and_values(compare):
    def program(tf):
        inits = [tf.random_normal_initializer(0.0, 0.02), tf.random_uniform_initializer(), tf.constant_initializer(3.0),
                 tf.zeros_initializer(), tf.ones_initializer()]
        out = []
        for init in inits:
            value = init([2, 3])
            out.append((type(init).__name__, init.get_config(), value.dtype, tuple(value.shape)))
        out.append(tf.constant_initializer(3.0)([2, 2]))
        out.append(tf.ones_initializer()([3], tf.float64))
        sample = tf.random_normal_initializer(0.0, 0.02)([4000])
        out.append(bool(abs(float(tf.math.reduce_std(sample)) - 0.02) < 0.002))
        return out
    compare(program)


def test_a_keras_layer_takes_a_tf2_initializer(compare):
    def program(tf):
        layer = tf.keras.layers.Dense(3, kernel_initializer=tf.random_normal_initializer(0.0, 0.02),
                                      bias_initializer=tf.constant_initializer(0.5))
        layer.build((None, 2))
        return tuple(layer.kernel.shape), layer.bias.numpy()
    compare(program)
