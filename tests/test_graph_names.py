"""TF's op names inside function traces (tapejax/_graph_names.py)."""

import tapejax as tf
from tapejax import _graph_names


def test_unique_names_follow_tf_graph_unique_name_case_insensitively():
    # TF 2.21: tf.Graph().unique_name over this sequence of requests
    names = _graph_names.GraphNames()
    requested = ["add", "Add", "add_1", "ADD", "Sum", "sum", "blk/mul", "blk/mul", "mul"]
    assert [names.unique(n) for n in requested] == [
        "add", "Add_1", "add_1_1", "ADD_2", "Sum", "sum_1", "blk/mul", "blk/mul_1", "mul"]


def test_operators_ask_for_their_own_names_and_functions_for_the_op_type():
    seen = []

    @tf.function
    def f(x):
        seen.extend([(x + 1.0).name, tf.add(x, 1.0).name, (x * 2.0).name, tf.multiply(x, 2.0).name])
        return x

    f(tf.constant(1.0))
    assert seen == ["add:0", "Add_1:0", "mul:0", "Mul_1:0"]


def test_eager_tensors_have_no_name_and_eager_ops_pay_no_naming():
    x = tf.constant(1.0) + 1.0
    assert not hasattr(x, "_name")
    try:
        x.name
    except AttributeError as err:
        assert "eager execution" in str(err)
    else:
        raise AssertionError("an eager Tensor has no name, as in TF")


def test_a_staged_branch_names_its_ops_under_cond_and_gives_its_names_back():
    seen = []

    @tf.function
    def f(x):
        if x > 0.0:
            y = x * 2.0
            seen.append(y.name)
        else:
            y = x * 3.0
            seen.append(y.name)
        seen.append((x * 4.0).name)
        return y

    f(tf.constant(1.0))
    assert seen == ["cond/mul:0", "cond/mul:0", "mul:0"]
