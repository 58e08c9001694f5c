"""Unit tests of tapejax/keras/_compile_losses.py: Keras 3's tree rules and `CompileLoss` (the
end-to-end behaviour against TF is in compat_tests/test_keras_multi_output_compat.py)."""

import numpy as np
import pytest

import tapejax as tf
from tapejax.keras import _compile_losses as cl
from tapejax.keras import _losses


def _t(x):
    return tf.constant(np.asarray(x, np.float32))


def test_containers_match_only_with_the_same_types_and_keys():
    assert cl.same_structure([1, (2, 3)], [4, (5, 6)])
    assert not cl.same_structure([1, 2], (1, 2))
    assert not cl.same_structure({"a": 1}, {"b": 1})
    assert not cl.same_structure([1], 1)
    assert cl.same_structure({"b": 1, "a": [2]}, {"a": [3], "b": 4})


def test_dicts_flatten_by_sorted_key_and_pack_back_by_key():
    assert cl.flatten({"b": 1, "a": 2}) == [2, 1]
    assert cl.pack_sequence_as({"b": None, "a": None}, [2, 1]) == {"b": 1, "a": 2}
    with pytest.raises(ValueError):
        cl.pack_sequence_as([None, None], [1, 2, 3])


def test_map_structure_up_to_raises_optree_messages_for_mismatches():
    with pytest.raises(ValueError, match=r"tuple arity mismatch; expected: 2, got: 1"):
        cl.map_structure_up_to((None, None), lambda *a: a, ("mae",))
    with pytest.raises(ValueError, match=r"Expected an instance of dict"):
        cl.map_structure_up_to({"a": None}, lambda *a: a, ("mae",))
    with pytest.raises(ValueError, match=r"missing key\(s\): \['b'\], extra key\(s\): \['c'\]"):
        cl.map_structure_up_to({"a": None, "b": None}, lambda *a: a, {"a": 1, "c": 2})
    assert cl.map_structure_up_to((None, (None,)), lambda m: m * 2, (1, (2,))) == (2, (4,))


def test_get_loss_names_a_function_loss_by_the_identifier_and_picks_crossentropy_by_shape():
    assert cl.get_loss("mse", None, None).name == "mse"
    assert cl.get_loss(_losses.MeanSquaredError(), None, None).name == "mean_squared_error"
    binary = cl.get_loss("crossentropy", _t(np.zeros((2, 1))), _t(np.zeros((2, 1))))
    assert (binary.name, binary.fn) == ("crossentropy", _losses.binary_crossentropy)
    sparse = cl.get_loss("ce", _t(np.zeros((2,))), _t(np.zeros((2, 3))))
    assert (sparse.name, sparse.fn) == ("ce", _losses.sparse_categorical_crossentropy)
    other = cl.get_loss("ce", _t(np.zeros((2, 3))), _t(np.zeros((2, 3))))
    assert other.fn is _losses.categorical_crossentropy


def test_a_function_loss_sees_float32_inputs_of_one_rank_and_weights_per_sample():
    seen = []

    def fn(y_true, y_pred):
        seen.append((tuple(y_true.shape), y_true.dtype.name))
        return (y_true - y_pred)[:, 0] ** 2
    loss = cl.get_loss(fn, None, None)
    y_true = np.array([1, 2, 3])  # int64, rank 1
    value = loss(y_true, _t([[0.0], [0.0], [1.0]]), sample_weight=_t([[1.0], [0.0], [2.0]]))
    assert seen == [((3, 1), "float32")]
    np.testing.assert_allclose(value.numpy(), (1.0 * 1 + 0.0 * 4 + 2.0 * 4) / 3, rtol=1e-6)
    assert loss.name == "fn"


def test_list_and_dict_losses_resolve_to_named_weighted_losses_with_trackers():
    y_pred = [_t(np.zeros((4, 2))), _t(np.zeros((4, 1)))]
    y_true = [_t(np.ones((4, 2))), _t(np.full((4, 1), 2.0))]
    loss = cl.CompileLoss({"b": "mae", "a": "mse"}, {"a": 2.0, "b": 0.5}, output_names=["a", "b"])
    total = loss(y_true, y_pred)
    assert [(f.path, f.name, f.loss_weights) for f in loss._flat_losses] == [
        ((0,), "a", 2.0), ((1,), "b", 0.5)]
    assert [m.name for m in loss.metrics] == ["a_loss", "b_loss"]
    np.testing.assert_allclose(total.numpy(), 2.0 * 1.0 + 0.5 * 2.0, rtol=1e-6)
    np.testing.assert_allclose([m.result().numpy() for m in loss.metrics], [1.0, 2.0], rtol=1e-6)


def test_targets_are_matched_to_the_outputs_by_name_or_position():
    loss = cl.CompileLoss(["mse", "mse"], output_names=["a", "b"])
    y_pred = [_t(np.zeros((2, 1))), _t(np.zeros((2, 1)))]
    by_name = loss._match_targets({"b": 2, "a": 1}, y_pred)
    assert by_name == [1, 2]
    assert loss._match_targets((1, 2), y_pred) == [1, 2]
    with pytest.raises(ValueError, match="y_true and y_pred have different structures"):
        loss._match_targets(_t(np.zeros((2, 1))), y_pred)


def test_a_single_output_takes_one_loss_without_trackers_and_prepare_updates_nothing():
    loss = cl.CompileLoss("mse", output_names=["out"])
    y = _t(np.ones((3, 1)))
    loss.prepare(y, _t(np.zeros((3, 1))))
    assert loss.built and loss.metrics == [] and loss._flat_losses[0].name == "out"
    np.testing.assert_allclose(loss(y, _t(np.zeros((3, 1)))).numpy(), 1.0)


def test_loss_weights_of_an_unsupported_type_raise_value_error():
    with pytest.raises(ValueError, match="Expected `loss_weights` argument to be a float"):
        cl.CompileLoss(["mse"], loss_weights=3)
