"""Keras 3 initializers and metrics that real programs use, on TF 2.21's Keras and on tapejax: values,
dtypes, configs, names and errors (deterministic initializers exactly; seeded draws by statistics)."""

import numpy as np
import pytest

from compat_tests._harness import raises


# -- initializers ------------------------------------------------------------------------------------
def test_identity_initializer_makes_a_rectangular_identity_times_its_gain(compare):
    def program(tf):
        init = tf.keras.initializers
        return [init.Identity(gain=2.0)((2, 3)), init.identity()((3, 2), dtype="float64"),
                init.IdentityInitializer()((2, 2)), init.Identity(gain=2)((2, 2), dtype="int32"),
                type(init.get("identity")).__name__, type(init.get("IdentityInitializer")).__name__,
                init.serialize(init.Identity(gain=3.0)),
                init.deserialize({"class_name": "IdentityInitializer", "config": {}})((2, 2))]
    compare(program)


def test_a_dense_layer_with_the_identity_kernel_initializer_passes_its_input_through(compare):
    def program(tf):
        layer = tf.keras.layers.Dense(3, kernel_initializer="identity", bias_initializer="ones")
        return layer(tf.constant([[1.0, 2.0, 3.0]])), layer.kernel.numpy()
    compare(program)


@pytest.mark.parametrize("shape", [(2, 2, 2), (3,)])
def test_identity_initializer_of_a_shape_that_is_not_2d_raises_value_error(compare, shape):
    @raises("ValueError")
    def program(tf):
        return tf.keras.initializers.Identity()(shape)
    compare(program)


def test_identity_initializer_with_a_float_gain_and_an_integer_dtype_raises_type_error(compare):
    @raises("TypeError")
    def program(tf):
        return tf.keras.initializers.Identity()((2, 2), dtype="int32")
    compare(program)


def test_orthogonal_initializer_alias_is_the_orthogonal_class(compare):
    def program(tf):
        init = tf.keras.initializers
        values = init.OrthogonalInitializer(gain=1.5, seed=3)((4, 3)).numpy()
        return [init.OrthogonalInitializer is init.Orthogonal, type(init.get("OrthogonalInitializer")).__name__,
                values.T @ values, values.dtype.name]
    compare(program, atol=1e-5)


@pytest.mark.parametrize("kwargs, shape, dtype", [
    ({}, (4, 1, 3), "float32"),
    (dict(side="imag", window="hamming", scaling="spectrum", periodic=True), (5, 1, 4), "float32"),
    (dict(window=None, scaling=None), (3, 1, 2), "float32"),
    (dict(window=[1.0, 2.0, 3.0]), (3, 1, 2), "float32"),
    (dict(window="blackman", periodic=True), (8, 1, 5), "float64"),
    (dict(window="bartlett", scaling="spectrum"), (6, 1, 4), "float32"),
    (dict(side="imag", window="boxcar"), (4, 1, 3), "float32"),
])
def test_stft_initializer_makes_keras_windowed_fourier_kernels(compare, kwargs, shape, dtype):
    def program(tf):
        init = tf.keras.initializers
        stft = init.STFT(**kwargs)
        return [stft(shape, dtype=dtype), stft.get_config(), init.serialize(stft),
                init.stft(**kwargs).get_config() == init.STFTInitializer(**kwargs).get_config()]
    compare(program, atol=1e-6)


@pytest.mark.parametrize("kwargs", [dict(window="foo"), dict(side="x"), dict(scaling="x")])
def test_stft_initializer_with_a_bad_argument_raises_value_error(compare, kwargs):
    @raises("ValueError")
    def program(tf):
        return tf.keras.initializers.STFT(**kwargs)
    compare(program)


def test_stft_initializer_with_a_window_of_another_length_raises_value_error(compare):
    @raises("ValueError")
    def program(tf):
        return tf.keras.initializers.STFT(window=[1.0, 2.0])((3, 1, 2))
    compare(program)


# -- metrics ----------------------------------------------------------------------------------------
RS = np.random.RandomState(21)
Y_BIN = (RS.rand(4, 3) > 0.5).astype(np.float32)
P_BIN = RS.rand(4, 3).astype(np.float32)
Y_HOT = np.eye(3, dtype=np.float32)[[0, 2, 1, 2]]
P_HOT = (lambda z: np.exp(z) / np.exp(z).sum(-1, keepdims=True))(RS.randn(4, 3)).astype(np.float32)
Y_INT = np.asarray([0, 2, 1, 1], np.int32)
Y_REG = (RS.rand(4, 3) * 3).astype(np.float32)
P_REG = (RS.rand(4, 3) * 3).astype(np.float32)
WEIGHTS = np.asarray([1.0, 0.5, 0.0, 2.0], np.float32)
Y_SIGNED = np.where(Y_BIN > 0, 1.0, -1.0).astype(np.float32)

FUNCTION_CASES = [
    ("hinge", Y_BIN, P_BIN - 0.5, {}), ("hinge", Y_SIGNED, P_BIN - 0.5, {}),
    ("hinge", Y_BIN.astype(np.float64), (P_BIN - 0.5).astype(np.float64), {}),
    ("squared_hinge", Y_BIN, P_BIN - 0.5, {}), ("categorical_hinge", Y_HOT, P_HOT, {}),
    ("kld", Y_HOT, P_HOT, {}), ("KLD", P_HOT, P_HOT[::-1], {}), ("kullback_leibler_divergence", Y_HOT, P_HOT, {}),
    ("logcosh", Y_REG, P_REG, {}), ("mape", Y_REG, P_REG, {}), ("MAPE", Y_REG - 1.0, P_REG, {}),
    ("msle", Y_REG, P_REG, {}), ("MSLE", Y_REG[:, :1], P_REG[:, 0], {}), ("poisson", Y_REG, P_REG, {}),
    ("pearson_correlation", Y_REG, P_REG, {}), ("pearson_correlation", Y_REG, P_REG, dict(axis=0)),
    ("concordance_correlation", Y_REG, P_REG, {}), ("concordance_correlation", Y_REG, P_REG, dict(axis=0)),
    ("binary_accuracy", Y_BIN, P_BIN, {}), ("binary_accuracy", Y_BIN[:, :1], P_BIN[:, 0], dict(threshold=0.3)),
    ("binary_accuracy", Y_BIN.astype(np.int32), P_BIN.astype(np.float64), {}),
    ("categorical_accuracy", Y_HOT, P_HOT, {}), ("sparse_categorical_accuracy", Y_INT, P_HOT, {}),
    ("sparse_categorical_accuracy", Y_INT[:, None], P_HOT, {}),
    ("top_k_categorical_accuracy", Y_HOT, P_HOT, dict(k=1)), ("top_k_categorical_accuracy", Y_HOT, P_HOT, dict(k=2)),
    ("sparse_top_k_categorical_accuracy", Y_INT, P_HOT, dict(k=2)),
    ("sparse_top_k_categorical_accuracy", Y_INT, np.asarray([[0, 1, 2], [1, 2, 0], [2, 1, 0], [0, 2, 1]], np.float32),
     dict(k=2, from_sorted_ids=True)),
    ("sparse_top_k_categorical_accuracy", Y_INT, np.asarray([[0.2, 0.2, 0.2]] * 4, np.float32), dict(k=1)),
    ("binary_focal_crossentropy", Y_BIN, P_BIN, {}),
    ("binary_focal_crossentropy", Y_BIN, P_BIN - 0.5,
     dict(apply_class_balancing=True, alpha=0.3, gamma=1.5, from_logits=True, label_smoothing=0.1)),
    ("categorical_focal_crossentropy", Y_HOT, P_HOT, {}),
    ("categorical_focal_crossentropy", Y_HOT, P_HOT - 0.2, dict(alpha=0.5, gamma=1.0, from_logits=True,
                                                                 label_smoothing=0.2)),
]


@pytest.mark.parametrize("name, y_true, y_pred, kwargs", FUNCTION_CASES)
def test_keras_metric_functions_give_keras_values_dtypes_and_shapes(compare, name, y_true, y_pred, kwargs):
    def program(tf):
        fn = getattr(tf.keras.metrics, name)
        return [fn(y_true, y_pred, **kwargs), fn(tf.constant(y_true), tf.constant(y_pred), **kwargs), fn.__name__]
    compare(program, atol=1e-5)


def test_keras_metric_functions_are_differentiable_on_a_tape(compare):
    def program(tf):
        x = tf.Variable(P_HOT)
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.keras.metrics.categorical_hinge(Y_HOT, x) + tf.keras.metrics.kld(Y_HOT, x)
                                 + tf.keras.metrics.logcosh(Y_HOT, x) + tf.keras.metrics.poisson(Y_HOT, x))
        return tape.gradient(loss, x)
    compare(program, atol=1e-5)


WRAPPER_CASES = [
    ("RootMeanSquaredError", {}, Y_REG, P_REG), ("Hinge", {}, Y_BIN, P_BIN - 0.5),
    ("SquaredHinge", {}, Y_BIN, P_BIN - 0.5), ("CategoricalHinge", {}, Y_HOT, P_HOT),
    ("KLDivergence", {}, Y_HOT, P_HOT), ("Poisson", {}, Y_REG, P_REG), ("LogCoshError", {}, Y_REG, P_REG),
    ("MeanAbsolutePercentageError", {}, Y_REG, P_REG), ("MeanSquaredLogarithmicError", {}, Y_REG, P_REG),
    ("CosineSimilarity", {}, Y_REG, P_REG), ("CosineSimilarity", dict(axis=0, name="cos", _weights=WEIGHTS[:3]), Y_REG, P_REG),
    ("PearsonCorrelation", {}, Y_REG, P_REG), ("ConcordanceCorrelation", dict(axis=0, _weights=WEIGHTS[1:]), Y_REG, P_REG),
    ("TopKCategoricalAccuracy", dict(k=1), Y_HOT, P_HOT), ("TopKCategoricalAccuracy", {}, Y_HOT, P_HOT),
    ("SparseTopKCategoricalAccuracy", dict(k=2), Y_INT, P_HOT),
    ("SparseTopKCategoricalAccuracy", dict(k=1, from_sorted_ids=True), Y_INT,
     np.asarray([[0, 1, 2], [2, 1, 0], [2, 1, 0], [0, 2, 1]], np.float32)),
    ("R2Score", {}, Y_REG, P_REG), ("R2Score", dict(class_aggregation=None), Y_REG, P_REG),
    ("R2Score", dict(class_aggregation="variance_weighted_average", num_regressors=2), Y_REG, P_REG),
    ("F1Score", {}, Y_BIN, P_BIN), ("F1Score", dict(average="macro", threshold=0.5), Y_BIN, P_BIN),
    ("FBetaScore", dict(average="weighted", beta=2.0, threshold=0.4), Y_BIN, P_BIN),
    ("FBetaScore", dict(average="micro", beta=0.5), Y_HOT, P_HOT),
    ("IoU", dict(num_classes=3, target_class_ids=[0, 2]), Y_INT, np.asarray([0, 1, 1, 2], np.int32)),
    ("MeanIoU", dict(num_classes=3), Y_INT, np.asarray([0, 1, 1, 2], np.int32)),
    ("MeanIoU", dict(num_classes=3, ignore_class=1, dtype="float32"), Y_INT, np.asarray([0, 1, 1, 2], np.int32)),
    ("BinaryIoU", dict(_weights=np.repeat(WEIGHTS[:, None], 3, 1)), Y_BIN, P_BIN),
    ("BinaryIoU", dict(target_class_ids=[1], threshold=0.3, _weights=np.repeat(WEIGHTS[:, None], 3, 1)), Y_BIN, P_BIN),
    ("OneHotIoU", dict(num_classes=3, target_class_ids=[1, 2]), Y_HOT, P_HOT),
    ("OneHotMeanIoU", dict(num_classes=3), Y_HOT, P_HOT),
    ("SensitivityAtSpecificity", dict(specificity=0.5), Y_BIN, P_BIN),
    ("SpecificityAtSensitivity", dict(sensitivity=0.6, num_thresholds=50), Y_BIN, P_BIN),
    ("PrecisionAtRecall", dict(recall=0.5), Y_BIN, P_BIN),
    ("RecallAtPrecision", dict(precision=0.6, class_id=1), Y_BIN, P_BIN),
]


@pytest.mark.parametrize("name, kwargs, y_true, y_pred", WRAPPER_CASES)
def test_keras_metric_classes_update_weight_reset_and_configure_as_keras(compare, name, kwargs, y_true, y_pred):
    options = {k: v for k, v in kwargs.items() if k != "_weights"}
    weights = kwargs.get("_weights", WEIGHTS)

    def program(tf):
        metric = getattr(tf.keras.metrics, name)(**options)
        metric.update_state(y_true, y_pred)
        first = metric.result()
        metric.update_state(tf.constant(y_true[::-1].copy()), tf.constant(y_pred), sample_weight=weights)
        second = metric.result()
        # (Keras keeps target_class_ids in its TrackedList, a list)
        config = {k: list(v) if isinstance(v, list) else v for k, v in metric.get_config().items()}
        metric.reset_state()
        metric.update_state(y_true[:2], y_pred[:2])
        return [first, second, metric.result(), config, metric.dtype, len(metric.variables),
                [v.dtype if isinstance(v.dtype, str) else v.dtype.name for v in metric.variables],
                type(metric).from_config(config).get_config() == config]
    compare(program, atol=1e-5, rtol=1e-4)


def test_unnamed_iou_and_sensitivity_metrics_get_unique_snake_case_names(compare):
    def program(tf):
        metrics = tf.keras.metrics
        return [m.name.split("_")[:-1] if m.name[-1].isdigit() else m.name.split("_") for m in [
            metrics.IoU(2, [0]), metrics.MeanIoU(2), metrics.BinaryIoU(), metrics.OneHotIoU(2, [1]),
            metrics.SensitivityAtSpecificity(0.5), metrics.RecallAtPrecision(0.5)]]
    compare(program)


@pytest.mark.parametrize("factory", [
    "R2Score(class_aggregation='x')", "R2Score(num_regressors=-1)", "FBetaScore(average='x')", "FBetaScore(beta=1)",
    "FBetaScore(beta=-1.0)", "FBetaScore(threshold=1)", "FBetaScore(threshold=1.5)", "IoU(2, [0, 2])",
    "SensitivityAtSpecificity(1.5)", "SpecificityAtSensitivity(-0.1)", "PrecisionAtRecall(2)",
    "RecallAtPrecision(0.5, num_thresholds=0)",
])
def test_keras_metric_classes_with_bad_arguments_raise_value_error(compare, factory):
    @raises("ValueError")
    def program(tf):
        return eval("tf.keras.metrics." + factory)  # noqa: S307 - the test's own constructor strings
    compare(program)


@pytest.mark.parametrize("name, kwargs, y_true, y_pred", [
    ("R2Score", {}, Y_REG[:, 0], P_REG[:, 0]), ("F1Score", {}, Y_BIN[:, 0], P_BIN[:, 0])])
def test_keras_metrics_of_2d_inputs_given_1d_ones_raise_value_error(compare, name, kwargs, y_true, y_pred):
    @raises("ValueError")
    def program(tf):
        getattr(tf.keras.metrics, name)(**kwargs).update_state(y_true, y_pred)
    compare(program)


def test_metrics_get_serialize_and_deserialize_use_keras_names(compare):
    def program(tf):
        metrics = tf.keras.metrics
        names = ["hinge", "Hinge", "RootMeanSquaredError", "root_mean_squared_error", "mape", "MSLE", "r2_score",
                 "f1_score", "cosine_similarity", "top_k_categorical_accuracy", "bce"]
        restored = metrics.deserialize({"class_name": "Hinge", "config": {"name": "h", "dtype": "float32"}})
        return [[(type(metrics.get(n)).__name__, metrics.get(n).name) for n in names],
                metrics.serialize(metrics.RootMeanSquaredError()), metrics.serialize(metrics.F1Score(average="micro")),
                metrics.serialize(metrics.hinge), (type(restored).__name__, restored.name),
                metrics.kld is metrics.KLD, metrics.mape is metrics.MAPE, metrics.logcosh.__name__]
    compare(program)


@pytest.mark.parametrize("name", ["rmse", "logcosh", "kld"])
def test_metrics_get_of_a_name_keras_does_not_know_raises_value_error(compare, name):
    @raises("ValueError")
    def program(tf):
        return tf.keras.metrics.get(name)
    compare(program)


def test_a_model_compiled_with_the_new_metrics_reports_keras_values(compare):
    def program(tf):
        model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(3)])
        model.set_weights([np.linspace(-1, 1, 9, dtype=np.float32).reshape(3, 3), np.zeros(3, np.float32)])
        model.compile(loss="mse", metrics=[tf.keras.metrics.RootMeanSquaredError(), "hinge",
                                           tf.keras.metrics.R2Score(), tf.keras.metrics.TopKCategoricalAccuracy(k=2)])
        return model.evaluate(Y_REG, P_REG, batch_size=2, verbose=0, return_dict=True)
    compare(program, atol=1e-5)


@pytest.mark.parametrize("kwargs", [dict(scale=0.0), dict(scale=-1.0), dict(mode="fan_sum"),
                                    dict(distribution="laplace")])
def test_variance_scaling_with_a_bad_argument_raises_value_error(compare, kwargs):
    @raises("ValueError")
    def program(tf):
        return tf.keras.initializers.VarianceScaling(**kwargs)
    compare(program, messages=False)  # (Keras' message prints a set: its order changes from run to run)


def test_variance_scaling_reads_normal_as_truncated_normal_and_takes_fan_axes(compare):
    def program(tf):
        init = tf.keras.initializers.VarianceScaling(scale=2.0, mode="fan_out", distribution="Normal", seed=1,
                                                     input_axes=[0], output_axes=[1, 2])
        values = init((16, 4, 8)).numpy()
        # truncated at two standard deviations of sqrt(2 / fan_out), fan_out = 4 * 8
        return [init.get_config()["distribution"], values.shape,
                bool(np.abs(values).max() <= 2 * np.sqrt(2.0 / 32) / 0.87962566103423978)]
    compare(program)
