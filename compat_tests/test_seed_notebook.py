"""The seed notebook's cells, run on TF and on tapejax."""


def test_scalar_variable_square(compare):
    def program(tf):
        x = tf.Variable(3.0)
        with tf.GradientTape() as tape:
            y = x**2
        return tape.gradient(y, x)
    compare(program)


def test_repr_of_gradient(compare):
    def program(tf):
        x = tf.Variable(3.0)
        with tf.GradientTape() as tape:
            y = x**2
        g = tape.gradient(y, x)
        return [str(g), repr(g)]
    compare(program)
