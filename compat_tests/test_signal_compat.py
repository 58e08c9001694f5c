"""tf.signal, program by program on TensorFlow and on tapejax: values, dtypes, shapes, gradients through
the tape, exceptions (class, and TF's first line unless `messages=False`), and one traced function.

Tolerances, measured on TF 2.21 (CPU) against float64 NumPy/SciPy references: TF's float32 FFTs are
off by ~4e-6 on spectra of magnitude ~40 and tapejax's are bit-identical to TF's (both run DUCC);
float32 DCTs differ from TF's by ~1e-5 at magnitude ~65 (TF's own error against SciPy is the same
size), mel matrices by ~7e-6, windows by one ulp.
"""

import numpy as np
import pytest

from compat_tests import _harness as H

RS = np.random.RandomState(11)
SIG = RS.randn(3, 40).astype(np.float32)
SIG64 = RS.randn(2, 33)
CPLX = (RS.randn(2, 6, 10) + 1j * RS.randn(2, 6, 10)).astype(np.complex64)
CPLX128 = RS.randn(3, 4, 5) + 1j * RS.randn(3, 4, 5)
REAL3 = RS.randn(2, 5, 6, 7).astype(np.float32)
SPEC = (RS.randn(3, 9) + 1j * RS.randn(3, 9)).astype(np.complex64)
AUDIO = RS.randn(2, 300).astype(np.float32)
F32 = dict(rtol=2e-5, atol=2e-5)


# ==== FFTs =======================================================================================
@pytest.mark.parametrize("name", ["fft", "ifft", "fft2d", "ifft2d", "fft3d", "ifft3d"])
def test_complex_ffts_match_tf_in_both_precisions(compare, name):
    compare(lambda tf: (getattr(tf.signal, name)(tf.constant(CPLX)), getattr(tf.signal, name)(tf.constant(CPLX128))),
            **F32)


@pytest.mark.parametrize("fft_length", [None, [30], [40], [57], [1]], ids=str)
def test_rfft_and_irfft_crop_and_pad_the_inner_dimension_as_tf(compare, fft_length):
    compare(lambda tf: (tf.signal.rfft(tf.constant(SIG), fft_length), tf.signal.rfft(tf.constant(SIG64), fft_length),
                        tf.signal.irfft(tf.constant(SPEC), fft_length),
                        tf.signal.irfft(tf.cast(tf.constant(SPEC), tf.complex128), fft_length)), **F32)


@pytest.mark.parametrize("fft_length", [None, [4, 6], [7, 12], [5, 2]], ids=str)
def test_rfft2d_and_irfft2d_with_fft_length_match_tf(compare, fft_length):
    compare(lambda tf: (tf.signal.rfft2d(tf.constant(REAL3), fft_length),
                        tf.signal.irfft2d(tf.constant(CPLX), fft_length)), **F32)


@pytest.mark.parametrize("fft_length", [None, [5, 6, 7], [3, 8, 4]], ids=str)
def test_rfft3d_and_irfft3d_with_fft_length_match_tf(compare, fft_length):
    compare(lambda tf: (tf.signal.rfft3d(tf.constant(REAL3), fft_length),
                        tf.signal.irfft3d(tf.constant(CPLX), fft_length)), **F32)


def test_rfft_converts_python_and_numpy_inputs_to_float32_as_tf(compare):
    # TF's preferred dtype: a NumPy float64 array and Python ints become float32, so complex64 out
    compare(lambda tf: (tf.signal.rfft([1.0, 2.0, 3.0]), tf.signal.rfft([1, 2, 3]), tf.signal.rfft(SIG64),
                        tf.signal.fft([1.0, 2.0]), tf.signal.fft(SIG64), tf.signal.irfft([1.0, 2.0, 3.0]),
                        tf.signal.fft(CPLX128)))


def test_ffts_of_empty_tensors_match_tf(compare):
    # (TF's rfft(tf.zeros([2, 0]), [4]) returns uninitialised memory; tapejax gives zeros)
    compare(lambda tf: (tf.signal.rfft(tf.zeros([0, 4])),
                        tf.signal.rfft(tf.zeros([0])), tf.signal.rfft(tf.zeros([3, 0])),
                        tf.signal.fft(tf.zeros([0, 3], tf.complex64)), tf.signal.irfft(tf.zeros([0, 3], tf.complex64))))


def test_numpy_float64_inputs_keep_float64_where_tf_converts_without_a_preference(compare):
    compare(lambda tf: (tf.signal.stft(SIG64, 10, 4), tf.signal.frame(SIG64, 3, 2), tf.signal.dct(SIG64),
                        tf.signal.inverse_stft(SIG64[:, :9] + 0j, 16, 4), tf.signal.overlap_and_add(SIG64[:, :4], 2),
                        tf.signal.fftshift(SIG64), tf.signal.hann_window(tf.constant(5))))


def test_rfft_of_a_variable_matches_tf(compare):
    compare(lambda tf: tf.signal.rfft(tf.Variable(SIG)), **F32)


@pytest.mark.parametrize("axes", [None, 0, 1, -1, [0, 1], [-1, 0]], ids=str)
def test_fftshift_and_ifftshift_match_tf(compare, axes):
    compare(lambda tf: (tf.signal.fftshift(tf.reshape(tf.range(35), [5, 7]), axes=axes),
                        tf.signal.ifftshift(tf.reshape(tf.range(35.0), [5, 7]), axes=axes)))


def test_fftshift_of_a_list_matches_tf(compare):
    compare(lambda tf: (tf.signal.fftshift([0.0, 1.0, 2.0, 3.0, 4.0, -5.0, -4.0, -3.0, -2.0, -1.0]),
                        tf.signal.ifftshift([[0.0, 1.0, 2.0], [3.0, 4.0, -4.0], [-3.0, -2.0, -1.0]])))


@pytest.mark.parametrize("name", ["fftnd", "ifftnd", "rfftnd", "irfftnd"])
def test_fftnd_family_has_no_cpu_kernel_in_tf_and_follows_numpy_in_tapejax(name):
    tf = H.load("tensorflow")
    x = CPLX if name in ("fftnd", "ifftnd", "irfftnd") else REAL3
    with pytest.raises(tf.errors.NotFoundError):
        getattr(tf.signal, name)(tf.constant(x))
    tj = H.load("tapejax")
    reference = {"fftnd": np.fft.fftn, "ifftnd": np.fft.ifftn, "rfftnd": np.fft.rfftn, "irfftnd": np.fft.irfftn}[name]
    for kwargs in ({}, {"axes": [-1, 0], "fft_length": [8, 3], "norm": "ortho"}, {"axes": [1], "norm": "forward"}):
        got = getattr(tj.signal, name)(tj.constant(x), **kwargs).numpy()
        want = reference(x.astype(np.complex128 if x.dtype.kind == "c" else np.float64),
                         s=kwargs.get("fft_length"), axes=kwargs.get("axes"), norm=kwargs.get("norm"))
        assert got.shape == want.shape and got.dtype == (np.float32 if name == "irfftnd" else np.complex64)
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


# ==== frames, overlap-add ========================================================================
@pytest.mark.parametrize("args", [
    dict(frame_length=3, frame_step=2), dict(frame_length=3, frame_step=2, pad_end=True, pad_value=-1),
    dict(frame_length=4, frame_step=3, axis=0), dict(frame_length=4, frame_step=3, pad_end=True),
    dict(frame_length=5, frame_step=5), dict(frame_length=2, frame_step=7, pad_end=True),
    dict(frame_length=20, frame_step=4), dict(frame_length=2, frame_step=1, axis=-2, pad_end=True, pad_value=9)],
    ids=lambda a: "-".join(f"{k}={v}" for k, v in a.items()))
def test_frame_matches_tf(compare, args):
    compare(lambda tf: (tf.signal.frame(tf.reshape(tf.range(30), [3, 10]), **args),
                        tf.signal.frame(tf.reshape(tf.range(30.0), [3, 10]), **args)))


def test_frame_of_a_short_and_a_3d_signal_matches_tf(compare):
    compare(lambda tf: (tf.signal.frame(tf.range(3), 5, 2), tf.signal.frame(tf.constant(REAL3), 3, 2, axis=1),
                        tf.signal.frame(tf.constant(REAL3), 3, 2, axis=-1, pad_end=True),
                        tf.signal.frame(tf.range(10), tf.constant(3), tf.constant(2))))


@pytest.mark.parametrize("step", [1, 2, 3, 4, 5, 9])
def test_overlap_and_add_matches_tf(compare, step):
    compare(lambda tf: (tf.signal.overlap_and_add(tf.constant(REAL3), step),
                        tf.signal.overlap_and_add(tf.reshape(tf.range(24), [4, 6]), step)), **F32)


# ==== STFTs ======================================================================================
@pytest.mark.parametrize("args", [
    dict(frame_length=64, frame_step=16), dict(frame_length=50, frame_step=20, pad_end=True),
    dict(frame_length=32, frame_step=8, fft_length=100), dict(frame_length=40, frame_step=10, window_fn=None),
    dict(frame_length=30, frame_step=12, fft_length=16)],
    ids=lambda a: "-".join(f"{k}={v}" for k, v in a.items()))
def test_stft_matches_tf(compare, args):
    compare(lambda tf: (tf.signal.stft(tf.constant(AUDIO), **args),
                        tf.signal.stft(tf.cast(tf.constant(AUDIO), tf.float64), **args)), **F32)


def test_stft_with_a_hamming_window_function_matches_tf(compare):
    compare(lambda tf: tf.signal.stft(tf.constant(AUDIO), 48, 12,
                                      window_fn=lambda n, dtype: tf.signal.hamming_window(n, periodic=False, dtype=dtype)),
            **F32)


@pytest.mark.parametrize("args", [dict(frame_length=64, frame_step=16), dict(frame_length=50, frame_step=25, fft_length=64),
                                  dict(frame_length=40, frame_step=10, fft_length=32), dict(frame_length=40, frame_step=10, window_fn=None)],
                         ids=lambda a: "-".join(f"{k}={v}" for k, v in a.items()))
def test_inverse_stft_matches_tf(compare, args):
    def program(tf):
        spectrum = tf.signal.stft(tf.constant(AUDIO), args["frame_length"], args["frame_step"],
                                  fft_length=args.get("fft_length"))
        return tf.signal.inverse_stft(spectrum, **args)
    compare(program, **F32)


def test_inverse_stft_with_the_inverse_window_reconstructs_as_tf(compare):
    def program(tf):
        spectrum = tf.signal.stft(tf.constant(AUDIO), 64, 16)
        window = tf.signal.inverse_stft_window_fn(16)
        return (tf.signal.inverse_stft(spectrum, 64, 16, window_fn=window), window(64, tf.float32),
                tf.signal.inverse_stft_window_fn(24, tf.signal.hamming_window)(50, tf.float64))
    compare(program, **F32)


# ==== windows ====================================================================================
@pytest.mark.parametrize("length", [0, 1, 2, 5, 8, 33])
def test_windows_match_tf(compare, length):
    compare(lambda tf: (tf.signal.hann_window(length), tf.signal.hann_window(length, periodic=False),
                        tf.signal.hamming_window(length), tf.signal.hamming_window(length, False, dtype=tf.float64),
                        tf.signal.vorbis_window(length), tf.signal.vorbis_window(length, dtype=tf.float64)), **F32)


@pytest.mark.parametrize("length", [1, 2, 5, 8, 33])
def test_kaiser_windows_match_tf(compare, length):
    compare(lambda tf: (tf.signal.kaiser_window(length), tf.signal.kaiser_window(length, beta=4.0, dtype=tf.float64),
                        tf.signal.kaiser_bessel_derived_window(length),
                        tf.signal.kaiser_bessel_derived_window(length, beta=6.0, dtype=tf.float64)), **F32)


# ==== mel, MFCCs, DCTs ===========================================================================
@pytest.mark.parametrize("args", [{}, dict(num_mel_bins=40, num_spectrogram_bins=257, sample_rate=16000,
                                           lower_edge_hertz=20.0, upper_edge_hertz=8000.0),
                                  dict(num_mel_bins=8, num_spectrogram_bins=33, sample_rate=22050, dtype="float64")],
                         ids=["defaults", "16k", "float64"])
def test_linear_to_mel_weight_matrix_matches_tf(compare, args):
    args = dict(args)
    compare(lambda tf: tf.signal.linear_to_mel_weight_matrix(**{k: getattr(tf, v) if k == "dtype" else v
                                                                for k, v in args.items()}), **F32)


def test_linear_to_mel_weight_matrix_takes_a_tensor_sample_rate_as_tf(compare):
    compare(lambda tf: tf.signal.linear_to_mel_weight_matrix(sample_rate=tf.constant(8000.0)), **F32)


def test_mfccs_of_a_log_mel_spectrogram_match_tf(compare):
    def program(tf):
        spectrogram = tf.abs(tf.signal.stft(tf.constant(AUDIO), 64, 16))
        mel = tf.matmul(spectrogram, tf.signal.linear_to_mel_weight_matrix(20, 33, 8000, 80.0, 3800.0))
        return tf.signal.mfccs_from_log_mel_spectrograms(tf.math.log(mel + 1e-6))
    compare(program, rtol=1e-4, atol=2e-5)


@pytest.mark.parametrize("dct_type", [1, 2, 3, 4])
@pytest.mark.parametrize("norm", [None, "ortho"])
@pytest.mark.parametrize("n", [None, 7, 50])
def test_dct_and_idct_match_tf(compare, dct_type, norm, n):
    if dct_type == 1 and norm == "ortho":
        pytest.skip("TF raises for an orthonormal DCT-I (test_dct_argument_errors_match_tf)")
    compare(lambda tf: (tf.signal.dct(tf.constant(SIG), type=dct_type, n=n, norm=norm),
                        tf.signal.idct(tf.constant(SIG64), type=dct_type, n=n, norm=norm)), rtol=1e-4, atol=4e-5)


def test_mdct_and_inverse_mdct_match_tf(compare):
    compare(lambda tf: (tf.signal.mdct(tf.constant(AUDIO), 16), tf.signal.mdct(tf.constant(AUDIO), 8, pad_end=True, norm="ortho"),
                        tf.signal.mdct(tf.constant(AUDIO), 8, window_fn=None),
                        tf.signal.inverse_mdct(tf.signal.mdct(tf.constant(AUDIO), 16)),
                        tf.signal.inverse_mdct(tf.constant(SIG64.reshape(11, 6)), norm="ortho", window_fn=None)),
            rtol=1e-4, atol=4e-5)


# ==== gradients ==================================================================================
def _gradient(tf, fn, value, output_gradient=None):
    x = tf.constant(value)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = fn(tf, x)
    return y, tape.gradient(y, x, output_gradients=None if output_gradient is None else tf.constant(output_gradient))


SEED_9 = (RS.randn(3, 21) + 1j * RS.randn(3, 21)).astype(np.complex64)


@pytest.mark.parametrize("length", [40, 41])
def test_rfft_gradient_matches_tf(compare, length):
    x = RS.randn(3, length).astype(np.float32)
    seed = SEED_9 if length == 40 else SEED_9[:, :21]
    compare(lambda tf: _gradient(tf, lambda tf, x: tf.signal.rfft(x), x, seed), **F32)
    compare(lambda tf: _gradient(tf, lambda tf, x: tf.reduce_sum(tf.abs(tf.signal.rfft(x, [48])) ** 2), x), rtol=1e-4,
            atol=1e-3)


@pytest.mark.parametrize("fft_length", [None, [16], [17]], ids=str)
def test_irfft_gradient_matches_tf(compare, fft_length):
    size = 16 if fft_length is None else fft_length[0]
    compare(lambda tf: _gradient(tf, lambda tf, z: tf.reduce_sum(tf.signal.irfft(z, fft_length) * tf.range(float(size))),
                                 SPEC), **F32)


@pytest.mark.parametrize("name", ["fft", "ifft", "fft2d", "ifft2d", "fft3d", "ifft3d"])
def test_complex_fft_gradients_match_tf(compare, name):
    seed = (RS.randn(*CPLX.shape) + 1j * RS.randn(*CPLX.shape)).astype(np.complex64)
    compare(lambda tf: _gradient(tf, lambda tf, z: getattr(tf.signal, name)(z), CPLX, seed), **F32)


def test_rfft2d_and_irfft2d_gradients_match_tf(compare):
    compare(lambda tf: (_gradient(tf, lambda tf, x: tf.abs(tf.signal.rfft2d(x)), REAL3)[1],
                        _gradient(tf, lambda tf, z: tf.signal.irfft2d(z) ** 2, CPLX)[1]), rtol=1e-4, atol=1e-4)


def test_stft_and_inverse_stft_gradients_match_tf(compare):
    def program(tf):
        spectrum_loss = _gradient(tf, lambda tf, x: tf.reduce_sum(tf.abs(tf.signal.stft(x, 64, 16, pad_end=True))), AUDIO)
        roundtrip = _gradient(tf, lambda tf, x: tf.reduce_sum(tf.signal.inverse_stft(
            tf.signal.stft(x, 64, 16), 64, 16, window_fn=tf.signal.inverse_stft_window_fn(16)) ** 2), AUDIO)
        return spectrum_loss[1], roundtrip[1]
    compare(program, rtol=1e-4, atol=1e-4)


def test_frame_overlap_and_add_dct_and_kaiser_gradients_match_tf(compare):
    def program(tf):
        beta = tf.constant(5.0)
        with tf.GradientTape() as tape:
            tape.watch(beta)
            window = tf.signal.kaiser_window(9, beta)
        return (_gradient(tf, lambda tf, x: tf.signal.frame(x, 7, 3, pad_end=True) ** 2, SIG)[1],
                _gradient(tf, lambda tf, x: tf.signal.overlap_and_add(x, 3) ** 2, REAL3)[1],
                _gradient(tf, lambda tf, x: tf.signal.dct(x, type=4, norm="ortho") ** 2, SIG)[1],
                _gradient(tf, lambda tf, x: tf.signal.mfccs_from_log_mel_spectrograms(x) ** 2, SIG)[1],
                tape.gradient(window, beta))
    compare(program, rtol=1e-4, atol=1e-4)


def test_complex_gradients_through_frame_fftshift_and_overlap_and_add_match_tf(compare):
    seed = (RS.randn(2, 6, 16) + 1j * RS.randn(2, 6, 16)).astype(np.complex64)

    def program(tf):
        def fn(tf, z):
            framed = tf.signal.frame(tf.signal.fftshift(z, axes=-1), 4, 2, pad_end=True)
            return tf.signal.overlap_and_add(tf.signal.fft(framed), 3)
        return _gradient(tf, fn, CPLX, seed)
    compare(program, **F32)


def test_tf_raises_for_an_rfft_gradient_through_a_cropping_fft_length_where_tapejax_differentiates():
    # TF's RFFT/IRFFT gradient functions build the gradient at fft_length and add it to the input's shape
    tf = H.load("tensorflow")
    with pytest.raises(tf.errors.InvalidArgumentError):
        _gradient(tf, lambda tf, x: tf.signal.rfft(x, [30]), SIG)
    tj = H.load("tapejax")
    _, grad = _gradient(tj, lambda tf, x: tf.reduce_sum(tf.math.real(tf.signal.rfft(x, [30]))), SIG)
    expected = np.zeros_like(SIG)
    expected[:, :30] = np.real(np.fft.rfft(np.eye(30), axis=-1)).sum(axis=-1)
    np.testing.assert_allclose(grad.numpy(), expected, rtol=1e-5, atol=1e-5)


def _numeric_gradient(loss, value, eps=1e-6):
    """Central differences of a real loss of a float64 or complex128 array: dL/dRe (+ i dL/dIm), TF's convention."""
    grad = np.zeros_like(value)
    for i in np.ndindex(value.shape):
        for unit in ((1.0, 1j) if np.iscomplexobj(value) else (1.0,)):
            step = np.zeros_like(value)
            step[i] = eps * unit
            grad[i] += unit * (loss(value + step) - loss(value - step)) / (2 * eps)
    return grad


def test_tf_raises_for_an_irfft_gradient_through_a_cropping_fft_length_where_tapejax_differentiates():
    spectrum = SPEC.astype(np.complex128)  # 9 bins; fft_length 9 uses 5 of them
    weights = RS.randn(9)
    tf = H.load("tensorflow")
    with pytest.raises(tf.errors.InvalidArgumentError):
        _gradient(tf, lambda tf, z: tf.signal.irfft(z, [9]) * weights, spectrum)
    tj = H.load("tapejax")
    _, grad = _gradient(tj, lambda tf, z: tf.reduce_sum(tf.signal.irfft(z, [9]) * weights), spectrum)
    expected = _numeric_gradient(lambda z: np.sum(np.fft.irfft(z, 9) * weights), spectrum)
    np.testing.assert_allclose(grad.numpy(), expected, rtol=1e-5, atol=1e-6)


def test_tf_has_no_rfft3d_or_irfft3d_gradient_where_tapejax_differentiates():
    x = RS.randn(2, 3, 4)
    tf = H.load("tensorflow")
    for fn in (tf.signal.rfft3d, tf.signal.irfft3d):
        with pytest.raises(LookupError):
            _gradient(tf, lambda tf, v: tf.abs(fn(tf.cast(v, tf.float64 if fn is tf.signal.rfft3d else tf.complex128))), x)
    tj = H.load("tapejax")
    _, grad = _gradient(tj, lambda tf, v: tf.reduce_sum(tf.abs(tf.signal.rfft3d(v))), x)
    np.testing.assert_allclose(grad.numpy(), _numeric_gradient(lambda v: np.sum(np.abs(np.fft.rfftn(v))), x),
                               rtol=1e-5, atol=1e-6)
    z = x + 1j * RS.randn(2, 3, 4)
    _, grad = _gradient(tj, lambda tf, v: tf.reduce_sum(tf.signal.irfft3d(v) ** 2), z)
    np.testing.assert_allclose(grad.numpy(), _numeric_gradient(lambda v: np.sum(np.fft.irfftn(v) ** 2), z),
                               rtol=1e-5, atol=1e-6)


# ==== errors =====================================================================================
@H.raises("InvalidArgumentError")
def fft_of_a_float_tensor(tf):
    return tf.signal.fft(tf.constant([1.0, 2.0]))


@H.raises("InvalidArgumentError")
def fft_of_an_int_tensor(tf):
    return tf.signal.fft2d(tf.constant([[1, 2]]))


@H.raises("InvalidArgumentError")
def fft_of_a_half_tensor(tf):
    return tf.signal.ifft(tf.constant([1.0, 2.0], tf.float16))


@H.raises("InvalidArgumentError")
def fft2d_of_a_vector(tf):
    return tf.signal.fft2d(tf.constant([1.0 + 0j]))


@H.raises("InvalidArgumentError")
def fft_of_a_scalar(tf):
    return tf.signal.fft(tf.constant(3.0 + 0j))


@H.raises("ValueError")
def rfft_of_an_int_tensor(tf):
    return tf.signal.rfft(tf.constant([1, 2]))


@H.raises("ValueError")
def rfft_of_a_complex_tensor(tf):
    return tf.signal.rfft(tf.constant([1 + 1j]))


@H.raises("ValueError")
def rfft_of_a_half_tensor(tf):
    return tf.signal.rfft2d(tf.ones([2, 2], tf.float16))


@H.raises("ValueError")
def rfft_of_a_scalar(tf):
    return tf.signal.rfft(tf.constant(3.0))


@H.raises("ValueError")
def rfft3d_of_a_matrix(tf):
    return tf.signal.rfft3d(tf.ones([2, 3]))


@H.raises("ValueError")
def irfft_of_a_float_tensor(tf):
    return tf.signal.irfft(tf.constant([1.0, 2.0]))


@H.raises("InvalidArgumentError")
def rfft_with_two_lengths(tf):
    return tf.signal.rfft(tf.constant([1.0, 2.0]), [2, 3])


@H.raises("TypeError")
def rfft_with_an_int_length(tf):
    return tf.signal.rfft(tf.constant([1.0, 2.0]), 3)


@H.raises("InvalidArgumentError")
def rfft2d_with_one_length(tf):
    return tf.signal.rfft2d(tf.ones([2, 3]), [4])


@H.raises("InvalidArgumentError")
def rfft_with_a_negative_length(tf):
    return tf.signal.rfft(tf.constant([1.0, 2.0]), [-1])


@H.raises("ValueError")
def frame_of_a_scalar(tf):
    return tf.signal.frame(tf.constant(3), 5, 2)


@H.raises("ValueError")
def frame_with_a_vector_length(tf):
    return tf.signal.frame(tf.range(10), [3], 2)


@H.raises("ValueError")
def frame_with_a_vector_pad_value(tf):
    return tf.signal.frame(tf.range(10.0), 3, 2, pad_end=True, pad_value=[1.0])


@H.raises("ValueError")
def overlap_and_add_of_a_vector(tf):
    return tf.signal.overlap_and_add(tf.ones([4]), 2)


@H.raises("ValueError")
def overlap_and_add_with_a_float_step(tf):
    return tf.signal.overlap_and_add(tf.ones([3, 4]), 2.0)


@H.raises("ValueError")
def overlap_and_add_with_a_float64_tensor_step(tf):
    return tf.signal.overlap_and_add(tf.ones([3, 4]), tf.constant(2.0, tf.float64))


@H.raises("ValueError")
def int_window(tf):
    return tf.signal.hann_window(5, dtype=tf.int32)


@H.raises("ValueError")
def int_kaiser_window(tf):
    return tf.signal.kaiser_window(5, dtype=tf.int32)


@H.raises("TypeError")
def window_of_a_float_length(tf):
    return tf.signal.hann_window(5.0)


@H.raises("TypeError")
def kaiser_window_of_a_float_length(tf):
    return tf.signal.kaiser_window(5.5)


@H.raises("ValueError")
def window_of_a_vector_length(tf):
    return tf.signal.vorbis_window([4])


@H.raises("ValueError")
def stft_of_an_int_signal(tf):
    return tf.signal.stft(tf.ones([10], tf.int32), 4, 2)


@H.raises("ValueError")
def mdct_with_a_frame_length_not_a_multiple_of_4(tf):
    return tf.signal.mdct(tf.ones([16]), 6)


@H.raises("ValueError")
def mfccs_of_no_mel_bins(tf):
    return tf.signal.mfccs_from_log_mel_spectrograms(tf.ones([2, 0]))


@pytest.mark.parametrize("program", [
    fft_of_a_float_tensor, fft_of_an_int_tensor, fft_of_a_half_tensor, fft2d_of_a_vector, fft_of_a_scalar,
    rfft_of_an_int_tensor, rfft_of_a_complex_tensor, rfft_of_a_half_tensor, rfft_of_a_scalar, rfft3d_of_a_matrix,
    irfft_of_a_float_tensor, rfft_with_two_lengths, rfft_with_an_int_length, rfft2d_with_one_length, rfft_with_a_negative_length,
    frame_of_a_scalar, frame_with_a_vector_length, frame_with_a_vector_pad_value, overlap_and_add_of_a_vector,
    overlap_and_add_with_a_float_step, overlap_and_add_with_a_float64_tensor_step, int_window, int_kaiser_window, window_of_a_float_length, kaiser_window_of_a_float_length,
    window_of_a_vector_length, stft_of_an_int_signal,
    mdct_with_a_frame_length_not_a_multiple_of_4, mfccs_of_no_mel_bins], ids=lambda p: p.__name__)
def test_bad_input_raises_tfs_exception(compare, program):
    compare(program)


@pytest.mark.parametrize("kwargs, error", [
    (dict(type=5), "ValueError"), (dict(type=1, norm="ortho"), "ValueError"), (dict(norm="x"), "ValueError"),
    (dict(n=0), "ValueError"), (dict(axis=0), "NotImplementedError")], ids=str)
def test_dct_argument_errors_match_tf(compare, kwargs, error):
    compare(lambda tf: tf.signal.dct(tf.ones([4, 3]), **kwargs), raises=error)
    compare(lambda tf: tf.signal.idct(tf.ones([4, 3]), **kwargs), raises=error)


def test_dct_of_an_int_tensor_and_a_type_1_dct_of_one_sample_raise_as_tf(compare):
    compare(lambda tf: tf.signal.dct(tf.ones([4], tf.int32)), raises="TypeError")
    compare(lambda tf: tf.signal.dct(tf.ones([1]), type=1), raises="ValueError")


@pytest.mark.parametrize("kwargs", [dict(num_mel_bins=0), dict(upper_edge_hertz=5000.0), dict(lower_edge_hertz=-1.0),
                                    dict(lower_edge_hertz=4000.0), dict(dtype="int32"), dict(sample_rate=0)], ids=str)
def test_linear_to_mel_weight_matrix_argument_errors_match_tf(compare, kwargs):
    compare(lambda tf: tf.signal.linear_to_mel_weight_matrix(**{k: getattr(tf, v) if k == "dtype" else v
                                                                for k, v in kwargs.items()}), raises="ValueError")


# ==== inside a traced function ===================================================================
def test_a_traced_spectrogram_step_matches_tf(compare):
    def program(tf):
        weights = tf.Variable(tf.ones([33, 8]) * 0.1)
        mel = tf.signal.linear_to_mel_weight_matrix(8, 33, 8000, 100.0, 3800.0)

        @tf.function
        def step(audio):
            with tf.GradientTape() as tape:
                spectrum = tf.abs(tf.signal.stft(audio, 64, 16, pad_end=True))
                features = tf.signal.mfccs_from_log_mel_spectrograms(tf.math.log(tf.matmul(spectrum, weights * mel) + 1.0))
                loss = tf.reduce_mean(features ** 2) + tf.reduce_mean(tf.signal.irfft(tf.signal.rfft(audio)) ** 2)
            return loss, tape.gradient(loss, weights)
        return step(tf.constant(AUDIO)), step(tf.constant(AUDIO * 2))
    compare(program, rtol=1e-4, atol=1e-5)
