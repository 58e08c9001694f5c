"""An optimizer built on one list of variables (Keras 3's `optimizer.build(vars)`) updates only
those: a new variable in `apply_gradients` raises ValueError and changes nothing, a second build
is ignored, a subset of the built variables is updated."""

import pytest

OPTIMIZERS = ["SGD", "Adam", "RMSprop", "Adagrad", "Ftrl", "Nadam"]


def _outcome(call):
    try:
        call()
        return "applied"
    except ValueError as err:  # Keras' message starts "Unknown variable: <the variable's repr>."
        return "ValueError", str(err).split(":")[0], str(err).split(". ", 1)[-1]


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_apply_gradients_with_a_variable_the_optimizer_was_not_built_with_raises(compare, name):
    def program(tf):
        v1, v2 = tf.Variable([1.0, 2.0]), tf.Variable([3.0])
        opt = getattr(tf.keras.optimizers, name)(0.1)
        opt.build([v1])
        built = len(opt.variables)
        refused = _outcome(lambda: opt.apply_gradients([(tf.constant([1.0, 1.0]), v1),
                                                         (tf.constant([1.0]), v2)]))
        unchanged = (v1.numpy(), v2.numpy(), int(opt.iterations), len(opt.variables))
        opt.apply_gradients([(tf.constant([0.5, -1.0]), v1)])
        return built, refused, unchanged, v1, int(opt.iterations)

    compare(program)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_a_second_build_is_ignored_and_a_subset_of_the_built_variables_is_updated(compare, name):
    def program(tf):
        v1, v2 = tf.Variable([1.0, 2.0]), tf.Variable([3.0])
        opt = getattr(tf.keras.optimizers, name)(0.1)
        opt.build([v1])
        opt.build([v2])
        again = (len(opt.variables), _outcome(lambda: opt.apply_gradients([(tf.constant([1.0]), v2)])))
        both = getattr(tf.keras.optimizers, name)(0.1)
        both.build([v1, v2])
        both.apply_gradients([(tf.constant([2.0]), v2)])
        return again, v1, v2, len(both.variables), int(both.iterations)

    compare(program)
