"""`tf.signal`: FFTs, framing, STFTs, windows, mel matrices, MFCCs and DCTs, as op-table rows on
`jax.numpy.fft` and `jax.scipy.special`.

Each row's kernel follows TF's Python composition of the op (`tensorflow/python/ops/signal/*.py`) in
the same dtype and order of operations, so float32 results agree with TF's to a few ulps; gradients
come from `jax.vjp` through the kernels under tapejax's convention for complex values
(grad = conj(vjp(conj(ct))), see `_replay`), which gives TF's registered FFT/RFFT/IRFFT gradients.
`stft`, `inverse_stft` and `mdct` call the user's `window_fn` between rows, as TF does.

Measured differences from TF 2.21 (CPU): TF's RFFT/IRFFT gradients raise InvalidArgumentError where
`fft_length` crops the input (a shape bug in TF's gradient functions); tapejax returns the gradient.
TF registers no gradient for RFFT3D/IRFFT3D; tapejax differentiates them. `fftnd`/`ifftnd`/
`rfftnd`/`irfftnd` have no CPU kernel in TF (NotFoundError); tapejax computes them with NumPy's
`s`/`axes`/`norm` semantics.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp
import numpy as np

from tapejax import _dtypes
from tapejax._errors import InvalidArgumentError
from tapejax._ops import math_ops
from tapejax._ops._convert import as_value, convert_to_tensor
from tapejax._ops._dispatch import Op, apply
from tapejax._tensor import Tensor

__all__ = [
    "fft", "ifft", "fft2d", "ifft2d", "fft3d", "ifft3d", "fftnd", "ifftnd",
    "rfft", "irfft", "rfft2d", "irfft2d", "rfft3d", "irfft3d", "rfftnd", "irfftnd",
    "fftshift", "ifftshift", "frame", "overlap_and_add", "stft", "inverse_stft", "inverse_stft_window_fn",
    "hann_window", "hamming_window", "kaiser_window", "kaiser_bessel_derived_window", "vorbis_window",
    "linear_to_mel_weight_matrix", "mfccs_from_log_mel_spectrograms", "dct", "idct", "mdct", "inverse_mdct",
]

_TF_KIND = {"float32": "float", "float64": "double", "float16": "half"}
_FFT_NAMES = {(1, False): "FFT", (1, True): "IFFT", (2, False): "FFT2D", (2, True): "IFFT2D",
              (3, False): "FFT3D", (3, True): "IFFT3D"}


# ==== kernels ===================================================================================
def _axes(rank):
    return tuple(range(-rank, 0))


def _complex_fft(rank, inverse):
    transform = jnp.fft.ifftn if inverse else jnp.fft.fftn
    return lambda x: transform(x, axes=_axes(rank))


def _rfft(x, fft_length):
    if 0 in fft_length:  # TF's kernel returns the empty input's shape (a length 0 transform of nothing)
        return jnp.zeros(x.shape, jnp.result_type(x.dtype, jnp.complex64))
    return jnp.fft.rfftn(x, s=fft_length, axes=_axes(len(fft_length)))


def _irfft(x, fft_length):
    return jnp.fft.irfftn(x, s=fft_length, axes=_axes(len(fft_length)))


def _fftnd(x, fft_length, axes, norm, kind):
    transform = {"fft": jnp.fft.fftn, "ifft": jnp.fft.ifftn, "rfft": jnp.fft.rfftn, "irfft": jnp.fft.irfftn}[kind]
    return transform(x, s=fft_length, axes=axes, norm=norm)


def _frame(x, pad_value, frame_length, frame_step, pad_end, axis):
    length = x.shape[axis]
    if pad_end:
        num_frames = -(-length // frame_step)
        pad = max(0, frame_length + frame_step * (num_frames - 1) - length)
        widths = [(0, 0)] * x.ndim
        widths[axis] = (0, pad)
        x = jnp.pad(x, widths, constant_values=pad_value.astype(x.dtype))
    else:
        num_frames = max(0, 1 + (length - frame_length) // frame_step)
    index = np.arange(num_frames)[:, None] * frame_step + np.arange(frame_length)[None, :]
    return jnp.take(x, index.reshape(num_frames, frame_length), axis=axis)


def _overlap_and_add(x, frame_step):
    """TF's reshape-and-sum algorithm (no scatter): each frame split into `frame_step` segments."""
    *outer, frames, frame_length = x.shape
    output_length = frame_length + frame_step * (frames - 1)
    if frame_step == frame_length:
        return x.reshape(*outer, output_length)
    segments = -(-frame_length // frame_step)
    x = jnp.pad(x, [(0, 0)] * len(outer) + [(0, segments), (0, segments * frame_step - frame_length)])
    x = x.reshape(*outer, frames + segments, segments, frame_step)
    x = jnp.swapaxes(x, -3, -2).reshape(*outer, (frames + segments) * segments, frame_step)
    x = x[..., :(frames + segments - 1) * segments, :].reshape(*outer, segments, frames + segments - 1, frame_step)
    x = jnp.sum(x, axis=-3, dtype=x.dtype).reshape(*outer, (frames + segments - 1) * frame_step)
    return x[..., :output_length]


def _fit_frames(x, fft_length, frame_length):
    """inverse_stft's frames: irfft to `fft_length`, cropped or zero-padded to `frame_length`."""
    frames = jnp.fft.irfft(x, n=fft_length)
    if frames.shape[-1] > frame_length:
        return frames[..., :frame_length]
    return jnp.pad(frames, [(0, 0)] * (frames.ndim - 1) + [(0, frame_length - frames.shape[-1])])


def _raised_cosine(length, periodic, dtype, a, b):
    if length == 1:
        return jnp.ones([1], dtype)
    n = jnp.asarray(length + int(periodic) * (1 - length % 2) - 1, dtype)
    count = jnp.arange(length, dtype=dtype)
    return (a - b * jnp.cos(jnp.asarray(2 * np.pi, dtype) * count / n)).astype(dtype)


def _kaiser(beta, length, dtype):
    if length == 1:
        return jnp.ones([1], dtype)
    halflen = (np.float32(length) - np.float32(1.0)) / np.float32(2.0)  # TF computes it in float32
    arg = (-halflen + np.arange(max(length, 0), dtype=np.float32)).astype(dtype)
    beta = beta.astype(dtype)
    halflen = jnp.asarray(halflen, dtype)
    num = beta * jnp.sqrt(jnp.maximum(1 - jnp.square(arg / halflen), 0))
    return jnp.exp(num - beta) * (jsp.i0e(num) / jsp.i0e(beta))


def _kaiser_bessel_derived(beta, length, dtype):
    kaiser = _kaiser(beta, length // 2 + 1, dtype)
    csum = jnp.cumsum(kaiser)
    half = jnp.sqrt(csum[:-1] / csum[-1])
    return jnp.concatenate([half, half[::-1]])


def _vorbis(length, dtype):
    arg = jnp.arange(length, dtype=dtype)
    inner = jnp.sin(jnp.asarray(np.pi, dtype) / jnp.asarray(length, dtype) * (arg + 0.5))
    return jnp.sin(np.pi / 2.0 * jnp.power(inner, 2.0))


def _inverse_window(forward, frame_step):
    frame_length = forward.shape[0]
    overlaps = -(-frame_length // frame_step)
    denom = jnp.pad(jnp.square(forward), [(0, overlaps * frame_step - frame_length)])
    denom = jnp.sum(denom.reshape(overlaps, frame_step), 0, keepdims=True)
    denom = jnp.tile(denom, [overlaps, 1]).reshape(overlaps * frame_step)[:frame_length]
    return jnp.where(denom == 0.0, jnp.zeros_like(forward), forward / jnp.where(denom == 0.0, 1, denom))


def _tf_linspace(start, stop, num, dtype):
    """TF's LinSpace kernel: start + i * step, the last value exactly `stop`."""
    if num == 1:
        return jnp.reshape(start, [1])
    step = (stop - start) / jnp.asarray(num - 1, dtype)
    values = start + step * jnp.arange(num, dtype=dtype)
    return values.at[-1].set(stop)


def _hertz_to_mel(hertz):
    return 1127.0 * jnp.log(1.0 + hertz / 700.0)


def _mel_matrix(sample_rate, lower, upper, num_mel_bins, num_spectrogram_bins, dtype):
    sample_rate, lower, upper = (v.astype(dtype) for v in (sample_rate, lower, upper))
    zero = jnp.asarray(0.0, dtype)
    linear = _tf_linspace(zero, sample_rate / 2.0, num_spectrogram_bins, dtype)[1:]
    spectrogram_mel = _hertz_to_mel(linear)[:, None]
    edges = _tf_linspace(_hertz_to_mel(lower), _hertz_to_mel(upper), num_mel_bins + 2, dtype)
    lower_mel, center_mel, upper_mel = edges[None, :-2], edges[None, 1:-1], edges[None, 2:]
    lower_slopes = (spectrogram_mel - lower_mel) / (center_mel - lower_mel)
    upper_slopes = (upper_mel - spectrogram_mel) / (upper_mel - center_mel)
    weights = jnp.maximum(zero, jnp.minimum(lower_slopes, upper_slopes))
    return jnp.pad(weights, [(1, 0), (0, 0)])


def _dct(x, type, n, norm):
    """TF's `_dct_internal`: DCT types 1-4 along the last axis through real FFTs."""
    if n is not None:
        length = x.shape[-1]
        x = x[..., :n] if n <= length else jnp.pad(x, [(0, 0)] * (x.ndim - 1) + [(0, n - length)])
    dtype = x.dtype
    size = x.shape[-1]
    size_float = jnp.asarray(size, dtype)
    if type == 1:
        return jnp.real(jnp.fft.rfft(jnp.concatenate([x, x[..., -2:0:-1]], axis=-1)))
    if type == 2:
        angle = -jnp.arange(size, dtype=dtype) * math.pi * 0.5 / size_float
        scale = 2.0 * jnp.exp(jax.lax.complex(jnp.zeros_like(angle), angle))
        dct2 = jnp.real(jnp.fft.rfft(x, n=2 * size)[..., :size] * scale)
        if norm == "ortho":
            n1 = 0.5 * jax.lax.rsqrt(size_float)
            dct2 = dct2 * jnp.concatenate([n1[None], jnp.full([size - 1], n1 * math.sqrt(2.0), dtype)])
        return dct2
    if type == 3:
        if norm == "ortho":
            n1 = jnp.sqrt(size_float)
            x = x * jnp.concatenate([n1[None], jnp.full([size - 1], n1 * math.sqrt(0.5), dtype)])
        else:
            x = x * size_float
        angle = jnp.arange(size, dtype=dtype) * math.pi * 0.5 / size_float
        scale = 2.0 * jnp.exp(jax.lax.complex(jnp.zeros_like(angle), angle))
        return jnp.real(jnp.fft.irfft(scale * jax.lax.complex(x, jnp.zeros_like(x)), n=2 * size))[..., :size]
    dct4 = _dct(x, 2, 2 * size, None)[..., 1::2]
    if norm == "ortho":
        dct4 = dct4 * (math.sqrt(0.5) * jax.lax.rsqrt(size_float))
    return dct4


def _mfccs(x):
    return _dct(x, 2, None, None) * jax.lax.rsqrt(jnp.asarray(x.shape[-1], x.dtype) * 2.0)


def _mdct_frames(x):
    a, b, c, d = jnp.split(x, 4, axis=-1)
    return jnp.concatenate([-c[..., ::-1] - d, a - b[..., ::-1]], axis=-1)


def _inverse_mdct_frames(x, norm):
    half = x.shape[-1]
    if norm == "ortho":
        result = _dct(x, 4, None, "ortho")
    else:
        result = 0.5 / jnp.asarray(half, x.dtype) * _dct(x, 4, None, None)
    first, second = jnp.split(result, 2, axis=-1)
    return jnp.concatenate([second, -second[..., ::-1], -first[..., ::-1], -first], axis=-1)


SIGNAL = {
    **{f"{'i' if inverse else ''}fft{'' if rank == 1 else f'{rank}d'}": Op(_FFT_NAMES[rank, inverse],
                                                                          _complex_fft(rank, inverse))
       for rank in (1, 2, 3) for inverse in (False, True)},
    "rfft": Op("RFFT", _rfft), "irfft": Op("IRFFT", _irfft),
    "fftnd": Op("FFTND", _fftnd),
    "roll": Op("Roll", lambda x, shift, axes: jnp.roll(x, shift, axes)),
    "frame": Op("Frame", _frame),
    "overlap_and_add": Op("OverlapAndAdd", _overlap_and_add),
    "fit_frames": Op("IRFFT", _fit_frames),
    "raised_cosine": Op("RaisedCosineWindow", _raised_cosine, differentiable=False),
    "kaiser": Op("KaiserWindow", _kaiser),
    "kaiser_bessel_derived": Op("KaiserBesselDerivedWindow", _kaiser_bessel_derived),
    "vorbis": Op("VorbisWindow", _vorbis, differentiable=False),
    "inverse_window": Op("InverseStftWindow", _inverse_window),
    "mel": Op("LinearToMelWeightMatrix", _mel_matrix),
    "dct": Op("DCT", _dct),
    "mfccs": Op("MfccsFromLogMelSpectrograms", _mfccs),
    "mdct_frames": Op("MDCT", _mdct_frames),
    "inverse_mdct_frames": Op("InverseMDCT", _inverse_mdct_frames),
}


# ==== argument checks ===========================================================================
def _input(x, preferred):
    """`x` as a Tensor, converted as TF's `convert_to_tensor(x, preferred_dtype=...)`: a Python or
    NumPy value takes the preferred dtype where it converts (a NumPy float64 array becomes float32,
    as in TF), and keeps its own where it does not (complex values for a real preference)."""
    if type(x) is Tensor or hasattr(x, "_trainable"):
        return x
    try:
        array = np.asarray(x)
    except (TypeError, ValueError):
        return convert_to_tensor(x)
    preferred = np.dtype(preferred.as_numpy_dtype)
    if array.dtype.kind in "iuf" or (array.dtype.kind == "c" and preferred.kind == "c"):
        return convert_to_tensor(array.astype(preferred))
    return convert_to_tensor(x)


def _np_dtype(x):
    return np.dtype(x._v.dtype)


def _shape_text(shape):
    return str(tuple(int(d) for d in shape))


def _rank_at_least(x, rank):
    if len(x.shape) < rank:
        raise ValueError(f"Shape {_shape_text(x.shape)} must have rank at least {rank}\ntapejax: the transform "
                         f"runs over the last {rank} dimension(s); give a tensor of rank {rank} or more.")


def _static(value, what):
    """A Python value of a static argument (a number, list, NumPy array or concrete Tensor)."""
    if hasattr(value, "_v"):
        try:
            return np.asarray(value._v)
        except jax.errors.ConcretizationTypeError:
            raise TypeError(f"tapejax: {what} must be known when the op runs (a Python int or a constant); "
                            f"inside tapejax.function pass it as a Python value.") from None
    return np.asarray(value)


def _scalar_int(value, what):
    array = _static(value, what)
    if array.ndim != 0:
        raise ValueError(f"Shape {_shape_text(array.shape)} must have rank 0\ntapejax: {what} is a scalar.")
    if array.dtype.kind not in "iu":
        raise InvalidArgumentError(f"cannot compute FloorDiv as input #1(zero-based) was expected to be a "
                                   f"{'float' if array.dtype.kind == 'f' else array.dtype.name} tensor but is a "
                                   f"int32 tensor [Op:FloorDiv] name: \ntapejax: {what} must be an integer.")
    return int(array)


def _fft_lengths(fft_length, rank, op_name):
    array = _static(fft_length, "fft_length")
    if array.ndim == 0:  # TF iterates over it
        raise TypeError(f"'numpy.int32' object is not iterable\ntapejax: fft_length is a list of "
                        f"{rank} int(s), e.g. [{int(array)}].")
    if array.shape != (rank,):
        raise InvalidArgumentError(f"fft_length must have shape [{rank}] [Op:{op_name}] name: \ntapejax: give "
                                   f"one length per transformed dimension (the last {rank}).")
    lengths = tuple(int(v) for v in array)
    for i, v in enumerate(lengths):
        if v < 0:
            raise InvalidArgumentError(f"fft_length[{i}] must >= 0, but got: {v} [Op:{op_name}] name: ")
    return lengths


def _check_float_dtype(dtype, found="Found"):
    dtype = _dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        raise ValueError(f"dtype must be a floating point type. {found} {dtype}")
    return np.dtype(dtype.as_numpy_dtype)


# ==== FFTs ======================================================================================
def _make_complex_fft(name, rank, inverse):
    op = SIGNAL[name]
    op_name = _FFT_NAMES[rank, inverse]

    def transform(input, name=None):  # noqa: A002 - TF's argument name
        x = _input(input, _dtypes.complex64)
        kind = _np_dtype(x)
        if kind.kind != "c":
            raise InvalidArgumentError(
                f"Value for attr 'Tcomplex' of {_TF_KIND.get(kind.name, kind.name)} is not in the list of allowed "
                f"values: complex64, complex128\n\t; NodeDef: {{{{node {op_name}}}}}; Op<name={op_name}; signature="
                f"input:Tcomplex -> output:Tcomplex; attr=Tcomplex:type,default=DT_COMPLEX64,allowed=[DT_COMPLEX64, "
                f"DT_COMPLEX128]> [Op:{op_name}] name: \ntapejax: {op_name} takes complex tensors; convert a real "
                f"one with tf.complex(x, tf.zeros_like(x)) or use tf.signal.rfft.")
        if len(x.shape) < rank:
            shape = "[" + ",".join(str(int(d)) for d in x.shape) + "]"
            raise InvalidArgumentError(f"Input must have rank of at least {rank} but got: {shape} [Op:{op_name}] "
                                       f"name: ")
        return apply(op, [x])

    transform.__name__ = transform.__qualname__ = name
    kind = "inverse " if inverse else ""
    transform.__doc__ = (f"The {kind}{rank}-D discrete Fourier transform over the inner-most {rank} dimension(s), "
                         f"as `tf.signal.{name}`.\n\nArgs:\n  input: a complex64 or complex128 Tensor of rank "
                         f">= {rank}.\n  name: unused (TF's op name).\n\nReturns:\n  A Tensor of the same shape "
                         f"and dtype.")
    return transform


fft, ifft, fft2d, ifft2d, fft3d, ifft3d = (
    _make_complex_fft(f"{'i' if inverse else ''}fft{'' if rank == 1 else f'{rank}d'}", rank, inverse)
    for rank in (1, 2, 3) for inverse in (False, True))


def _make_rfft(name, rank):
    op_name = "RFFT" if rank == 1 else f"RFFT{rank}D"

    def transform(input_tensor, fft_length=None, name=None):
        x = _input(input_tensor, _dtypes.float32)
        kind = _np_dtype(x)
        if kind.name not in ("float32", "float64"):
            raise ValueError(f"RFFT requires tf.float32 or tf.float64 inputs, got: {x!s}\ntapejax: cast the signal "
                             f"to a float (tf.cast(x, tf.float32)); for complex signals use tf.signal.fft.")
        _rank_at_least(x, rank)
        lengths = (tuple(int(d) for d in x.shape[len(x.shape) - rank:]) if fft_length is None
                   else _fft_lengths(fft_length, rank, op_name))
        return apply(SIGNAL["rfft"], [x], (("fft_length", lengths),))

    transform.__name__ = transform.__qualname__ = name
    transform.__doc__ = (
        f"The {rank}-D real-to-complex FFT over the inner-most {rank} dimension(s), as `tf.signal.{name}`.\n\n"
        f"Args:\n  input_tensor: a float32 or float64 Tensor of rank >= {rank}.\n  fft_length: the {rank} FFT "
        f"length(s); the input's inner dimensions are cropped or zero-padded to them (default: their sizes).\n"
        f"  name: unused.\n\nReturns:\n  A complex64 (float32 input) or complex128 Tensor whose inner-most "
        f"dimension is `fft_length[-1] // 2 + 1`.")
    return transform


def _make_irfft(name, rank):
    op_name = "IRFFT" if rank == 1 else f"IRFFT{rank}D"

    def transform(input_tensor, fft_length=None, name=None):
        x = _input(input_tensor, _dtypes.complex64)
        _rank_at_least(x, rank)
        if _np_dtype(x).kind != "c":
            raise ValueError(f"IRFFT requires tf.complex64 or tf.complex128 inputs, got: {x!s}\ntapejax: make the "
                             f"spectrum complex (tf.complex(re, im)).")
        if fft_length is None:
            lengths = [int(d) for d in x.shape[len(x.shape) - rank:]]
            lengths[-1] = max(0, 2 * (lengths[-1] - 1))
            lengths = tuple(lengths)
        else:
            lengths = _fft_lengths(fft_length, rank, op_name)
        if 0 in lengths:
            raise InvalidArgumentError(f"tapejax: the IRFFT length is 0 ({op_name} of an inner dimension of 1 "
                                       f"and no fft_length); give fft_length (TF aborts the process here).")
        return apply(SIGNAL["irfft"], [x], (("fft_length", lengths),))

    transform.__name__ = transform.__qualname__ = name
    transform.__doc__ = (
        f"The inverse of `rfft{'' if rank == 1 else f'{rank}d'}`, as `tf.signal.{name}`.\n\nArgs:\n  input_tensor: "
        f"a complex64 or complex128 Tensor of rank >= {rank}.\n  fft_length: the {rank} output length(s) (default: "
        f"the inner sizes, the last as 2 * (n - 1)); the input is cropped or zero-padded to `fft_length[-1] // 2 + "
        f"1` on its last dimension.\n  name: unused.\n\nReturns:\n  A float32 (complex64 input) or float64 Tensor.")
    return transform


rfft, rfft2d, rfft3d = (_make_rfft(f"rfft{'' if r == 1 else f'{r}d'}", r) for r in (1, 2, 3))
irfft, irfft2d, irfft3d = (_make_irfft(f"irfft{'' if r == 1 else f'{r}d'}", r) for r in (1, 2, 3))


def _make_fftnd(name, kind):
    preferred = _dtypes.float32 if kind == "rfft" else _dtypes.complex64

    def transform(input_tensor, fft_length=None, axes=None, norm=None, name=None):
        x = _input(input_tensor, preferred)
        dtype = _np_dtype(x)
        if kind == "rfft" and dtype.name not in ("float32", "float64"):
            raise ValueError(f"RFFT requires tf.float32 or tf.float64 inputs, got: {x!s}")
        if kind == "irfft" and dtype.kind != "c":
            raise ValueError(f"IRFFT requires tf.complex64 or tf.complex128 inputs, got: {x!s}")
        if kind in ("fft", "ifft") and dtype.kind != "c":
            raise InvalidArgumentError(f"Value for attr 'Tcomplex' of {_TF_KIND.get(dtype.name, dtype.name)} is not "
                                       f"in the list of allowed values: complex64, complex128")
        axes = tuple(range(len(x.shape))) if axes is None else tuple(int(a) for a in np.atleast_1d(_static(axes, "axes")))
        lengths = None if fft_length is None else tuple(int(v) for v in np.atleast_1d(_static(fft_length, "fft_length")))
        if norm not in (None, "backward", "ortho", "forward"):
            raise ValueError(f"tapejax: norm must be None, 'backward', 'ortho' or 'forward', got {norm!r}.")
        return apply(SIGNAL["fftnd"], [x], (("fft_length", lengths), ("axes", axes), ("norm", norm), ("kind", kind)))

    transform.__name__ = transform.__qualname__ = name
    transform.__doc__ = (
        f"The N-D {kind.upper()} over `axes`, as `tf.signal.{name}` (NumPy's `s`/`axes`/`norm` semantics; TF 2.21 "
        f"has GPU kernels only).\n\nArgs:\n  input_tensor: a Tensor.\n  fft_length: the transform lengths, one per "
        f"axis (default: the input's sizes along `axes`).\n  axes: the axes to transform (default: all).\n  norm: "
        f"None/'backward', 'ortho' or 'forward'.\n  name: unused.\n\nReturns:\n  The transformed Tensor.")
    return transform


fftnd, ifftnd, rfftnd, irfftnd = (_make_fftnd(f"{k}nd", k) for k in ("fft", "ifft", "rfft", "irfft"))


def _shift(x, axes, sign):
    x = as_value(x)
    shape = [int(d) for d in x.shape]
    if axes is None:
        axes = tuple(range(len(shape)))
    elif isinstance(axes, (int, np.integer)):
        axes = (int(axes),)
    else:
        axes = tuple(int(a) for a in np.atleast_1d(_static(axes, "axes")))
    shift = tuple(sign * (shape[a] // 2) for a in axes)
    return apply(SIGNAL["roll"], [x], (("shift", shift), ("axes", axes)))


def fftshift(x, axes=None, name=None):
    """Shifts the zero-frequency component to the center of the spectrum, as `tf.signal.fftshift`.

    Args:
      x: a Tensor.
      axes: an int or a list of ints: the axes to shift (default: all).
      name: unused.

    Returns:
      The shifted Tensor (`numpy.fft.fftshift`).
    """
    return _shift(x, axes, 1)


def ifftshift(x, axes=None, name=None):
    """The inverse of `fftshift` (they differ by one sample on odd lengths), as `tf.signal.ifftshift`.

    Args:
      x: a Tensor.
      axes: an int or a list of ints: the axes to shift (default: all).
      name: unused.

    Returns:
      The shifted Tensor (`numpy.fft.ifftshift`).
    """
    return _shift(x, axes, -1)


# ==== frames ====================================================================================
def frame(signal, frame_length, frame_step, pad_end=False, pad_value=0, axis=-1, name=None):
    """Expands `signal`'s `axis` into frames of `frame_length`, `frame_step` apart, as `tf.signal.frame`.

    Args:
      signal: a Tensor of rank >= 1.
      frame_length: the frame length in samples (an int).
      frame_step: the frame hop in samples (an int).
      pad_end: whether to pad the end of the signal with `pad_value` so every sample is in a frame.
      pad_value: the padding value (a scalar) when `pad_end` is True.
      axis: the axis to frame (negative counts from the end).
      name: unused.

    Returns:
      A Tensor of shape `signal.shape[:axis] + [num_frames, frame_length] + signal.shape[axis + 1:]`.
    """
    x = as_value(signal)
    if len(x.shape) < 1:
        raise ValueError(f"Shape {_shape_text(x.shape)} must have rank at least 1\ntapejax: frame a signal of "
                         f"rank 1 or more.")
    frame_length = _scalar_int(frame_length, "frame_length")
    frame_step = _scalar_int(frame_step, "frame_step")
    axis = _scalar_int(axis, "axis")
    axis = range(len(x.shape))[axis]
    fill = as_value(pad_value, dtype=x.dtype)
    if len(fill.shape) != 0:
        raise ValueError(f"Shape {_shape_text(fill.shape)} must have rank 0\ntapejax: pad_value is a scalar.")
    return apply(SIGNAL["frame"], [x, fill], (("frame_length", frame_length), ("frame_step", frame_step),
                                              ("pad_end", bool(pad_end)), ("axis", axis)))


def overlap_and_add(signal, frame_step, name=None):
    """Sums frames `frame_step` apart into one signal, as `tf.signal.overlap_and_add`.

    Args:
      signal: a Tensor of shape `[..., frames, frame_length]`.
      frame_step: an int: the hop between frames.
      name: unused.

    Returns:
      A Tensor of shape `[..., (frames - 1) * frame_step + frame_length]`.
    """
    x = as_value(signal)
    if len(x.shape) < 2:
        raise ValueError(f"Shape {_shape_text(x.shape)} must have rank at least 2\ntapejax: give frames of shape "
                         f"[..., frames, frame_length].")
    step = _static(frame_step, "frame_step")
    if step.ndim != 0:
        raise ValueError(f"Shape {_shape_text(step.shape)} must have rank 0\ntapejax: frame_step is a scalar.")
    if step.dtype.kind not in "iu":
        kind = frame_step.dtype if hasattr(frame_step, "_v") else _dtypes.as_dtype(_python_dtype(step))
        raise ValueError(f"frame_step must be an integer. Got {kind}")
    return apply(SIGNAL["overlap_and_add"], [x], (("frame_step", int(step)),))


def _python_dtype(array):
    return np.float32 if array.dtype == np.float64 else array.dtype  # a Python float converts to float32


# ==== windows ===================================================================================
def _window_length(window_length):
    if isinstance(window_length, (float, np.floating)):  # TF converts it to an int32 tensor
        raise TypeError(f"Cannot convert {window_length!r} to EagerTensor of dtype int32\ntapejax: window_length "
                        f"is an int number of samples.")
    return _scalar_int(window_length, "window_length")


def hann_window(window_length, periodic=True, dtype=_dtypes.float32, name=None):
    """A Hann window, as `tf.signal.hann_window`.

    Args:
      window_length: the number of samples.
      periodic: True for a periodic window (for spectral analysis), False for a symmetric one.
      dtype: a floating dtype.
      name: unused.

    Returns:
      A Tensor of shape `[window_length]`.
    """
    kind = _check_float_dtype(dtype)
    return apply(SIGNAL["raised_cosine"], [], (("length", _window_length(window_length)), ("periodic", bool(periodic)),
                                              ("dtype", kind), ("a", 0.5), ("b", 0.5)))


def hamming_window(window_length, periodic=True, dtype=_dtypes.float32, name=None):
    """A Hamming window, as `tf.signal.hamming_window`.

    Args:
      window_length: the number of samples.
      periodic: True for a periodic window, False for a symmetric one.
      dtype: a floating dtype.
      name: unused.

    Returns:
      A Tensor of shape `[window_length]`.
    """
    kind = _check_float_dtype(dtype)
    return apply(SIGNAL["raised_cosine"], [], (("length", _window_length(window_length)), ("periodic", bool(periodic)),
                                              ("dtype", kind), ("a", 0.54), ("b", 0.46)))


def kaiser_window(window_length, beta=12.0, dtype=_dtypes.float32, name=None):
    """A Kaiser window, as `tf.signal.kaiser_window`.

    Args:
      window_length: the number of samples.
      beta: the shape parameter.
      dtype: a floating dtype.
      name: unused.

    Returns:
      A Tensor of shape `[window_length]`.
    """
    kind = _check_float_dtype(dtype)
    length = _window_length(window_length)
    return apply(SIGNAL["kaiser"], [as_value(beta, dtype=_dtypes.as_dtype(dtype))], (("length", length), ("dtype", kind)))


def kaiser_bessel_derived_window(window_length, beta=12.0, dtype=_dtypes.float32, name=None):
    """A Kaiser-Bessel-derived window, as `tf.signal.kaiser_bessel_derived_window`.

    Args:
      window_length: the number of samples (TF's result has `2 * (window_length // 2)` of them).
      beta: the shape parameter.
      dtype: a floating dtype.
      name: unused.

    Returns:
      A Tensor of shape `[2 * (window_length // 2)]`.
    """
    kind = _check_float_dtype(dtype)
    length = _window_length(window_length)
    return apply(SIGNAL["kaiser_bessel_derived"], [as_value(beta, dtype=_dtypes.as_dtype(dtype))],
                 (("length", length), ("dtype", kind)))


def vorbis_window(window_length, dtype=_dtypes.float32, name=None):
    """A Vorbis power-complementary window, as `tf.signal.vorbis_window`.

    Args:
      window_length: the number of samples.
      dtype: a floating dtype.
      name: unused.

    Returns:
      A Tensor of shape `[window_length]`.
    """
    kind = _check_float_dtype(dtype)
    return apply(SIGNAL["vorbis"], [], (("length", _window_length(window_length)), ("dtype", kind)))


# ==== STFTs =====================================================================================
def _enclosing_power_of_two(value):
    return int(2 ** np.ceil(np.log(value) / np.log(2.0)))


def stft(signals, frame_length, frame_step, fft_length=None, window_fn=hann_window, pad_end=False, name=None):
    """The short-time Fourier transform of `signals`, as `tf.signal.stft`.

    Args:
      signals: a float32/float64 Tensor `[..., samples]`.
      frame_length: the window length in samples.
      frame_step: the hop in samples.
      fft_length: the FFT size (default: the smallest power of 2 enclosing `frame_length`).
      window_fn: a callable `(frame_length, dtype) -> window`; default `hann_window`; None for no window.
      pad_end: whether to pad the end of `signals` with zeros.
      name: unused.

    Returns:
      A complex Tensor `[..., frames, fft_length // 2 + 1]`.
    """
    frame_length = _scalar_int(frame_length, "frame_length")
    frame_step = _scalar_int(frame_step, "frame_step")
    fft_length = _enclosing_power_of_two(frame_length) if fft_length is None else _scalar_int(fft_length, "fft_length")
    framed = frame(signals, frame_length, frame_step, pad_end=pad_end)
    if window_fn is not None:
        framed = math_ops.multiply(framed, window_fn(frame_length, dtype=framed.dtype))
    return rfft(framed, [fft_length])


def inverse_stft(stfts, frame_length, frame_step, fft_length=None, window_fn=hann_window, name=None):
    """The inverse short-time Fourier transform, as `tf.signal.inverse_stft`.

    Args:
      stfts: a complex Tensor `[..., frames, fft_unique_bins]`.
      frame_length: the window length in samples.
      frame_step: the hop in samples.
      fft_length: the FFT size (default: the smallest power of 2 enclosing `frame_length`).
      window_fn: a callable `(frame_length, dtype) -> window`; default `hann_window` (use
        `inverse_stft_window_fn` for perfect reconstruction); None for no window.
      name: unused.

    Returns:
      A real Tensor `[..., samples]`.
    """
    x = as_value(stfts)  # TF converts it without a preferred dtype
    _rank_at_least(x, 2)
    frame_length = _scalar_int(frame_length, "frame_length")
    frame_step = _scalar_int(frame_step, "frame_step")
    fft_length = _enclosing_power_of_two(frame_length) if fft_length is None else _scalar_int(fft_length, "fft_length")
    if _np_dtype(x).kind != "c":
        raise ValueError(f"IRFFT requires tf.complex64 or tf.complex128 inputs, got: {x!s}")
    frames = apply(SIGNAL["fit_frames"], [x], (("fft_length", fft_length), ("frame_length", frame_length)))
    if window_fn is not None:
        frames = math_ops.multiply(frames, window_fn(frame_length, dtype=x.dtype.real_dtype))
    return overlap_and_add(frames, frame_step)


def inverse_stft_window_fn(frame_step, forward_window_fn=hann_window, name=None):
    """The window for `inverse_stft` that inverts `stft` with `forward_window_fn`, as
    `tf.signal.inverse_stft_window_fn`.

    Args:
      frame_step: the hop of the STFT in samples.
      forward_window_fn: the STFT's window function (default `hann_window`).
      name: unused.

    Returns:
      A callable `(frame_length, dtype) -> window` for `inverse_stft`'s `window_fn`.
    """
    step = _scalar_int(frame_step, "frame_step")

    def inverse_stft_window_fn_inner(frame_length, dtype):
        forward = as_value(forward_window_fn(frame_length, dtype=dtype))
        return apply(SIGNAL["inverse_window"], [forward], (("frame_step", step),))
    return inverse_stft_window_fn_inner


# ==== mel, MFCCs, DCTs ==========================================================================
def linear_to_mel_weight_matrix(num_mel_bins=20, num_spectrogram_bins=129, sample_rate=8000, lower_edge_hertz=125.0,
                                upper_edge_hertz=3800.0, dtype=_dtypes.float32, name=None):
    """The matrix mapping linear-frequency spectrogram bins to mel bins, as
    `tf.signal.linear_to_mel_weight_matrix` (HTK's mel scale, triangular filters).

    Args:
      num_mel_bins: the number of mel bands.
      num_spectrogram_bins: the number of linear bins (`fft_length // 2 + 1`).
      sample_rate: the samples per second of the spectrogram's signal.
      lower_edge_hertz: the lower edge of the lowest band.
      upper_edge_hertz: the upper edge of the highest band (at most `sample_rate / 2`).
      dtype: a floating dtype.
      name: unused.

    Returns:
      A Tensor of shape `[num_spectrogram_bins, num_mel_bins]`.
    """
    if hasattr(sample_rate, "_v"):
        try:
            sample_rate = _static(sample_rate, "sample_rate").item()
        except TypeError:
            pass
    rate_is_tensor = hasattr(sample_rate, "_v")
    if num_mel_bins <= 0:
        raise ValueError(f"num_mel_bins must be positive. Got: {num_mel_bins}")
    if lower_edge_hertz < 0.0:
        raise ValueError(f"lower_edge_hertz must be non-negative. Got: {lower_edge_hertz}")
    if lower_edge_hertz >= upper_edge_hertz:
        raise ValueError(f"lower_edge_hertz {float(lower_edge_hertz):.1f} >= upper_edge_hertz "
                         f"{float(upper_edge_hertz):.1f}")
    if not rate_is_tensor:
        if sample_rate <= 0.0:
            raise ValueError(f"sample_rate must be positive. Got: {sample_rate}")
        if upper_edge_hertz > sample_rate / 2:
            raise ValueError(f"upper_edge_hertz must not be larger than the Nyquist frequency (sample_rate / 2). "
                             f"Got {upper_edge_hertz} for sample_rate: {sample_rate}")
    kind = _check_float_dtype(dtype, found="Got:")
    tf_dtype = _dtypes.as_dtype(dtype)
    values = [sample_rate if rate_is_tensor else convert_to_tensor(np.asarray(sample_rate, kind)),
              as_value(lower_edge_hertz, dtype=tf_dtype), as_value(upper_edge_hertz, dtype=tf_dtype)]
    return apply(SIGNAL["mel"], values, (("num_mel_bins", int(num_mel_bins)),
                                         ("num_spectrogram_bins", int(num_spectrogram_bins)), ("dtype", kind)))


def _check_dct(x, type, n, axis, norm):
    if axis != -1:
        raise NotImplementedError(f"axis must be -1. Got: {axis}")
    if n is not None and n < 1:
        raise ValueError("n should be a positive integer or None")
    if type not in (1, 2, 3, 4):
        raise ValueError("Types I, II, III and IV (I)DCT are supported.")
    if type == 1:
        if norm == "ortho":
            raise ValueError("Normalization is not supported for the Type-I DCT.")
        if x.shape and x.shape[-1] < 2:
            raise ValueError("Type-I DCT requires the dimension to be greater than one.")
    if norm not in (None, "ortho"):
        raise ValueError(f"Unknown normalization. Expected None or 'ortho', got: {norm}")


def _dct_input(input, type, n, axis, norm):  # noqa: A002 - TF's argument name
    x = as_value(input)
    _check_dct(x, type, n, axis, norm)
    kind = _np_dtype(x)
    if kind.kind in "iub":
        raise TypeError(f"Cannot convert 0.0 to EagerTensor of dtype {_dtypes.from_jax(kind).name}\ntapejax: the "
                        f"DCT takes float tensors; cast first (tf.cast(x, tf.float32)).")
    if kind.name not in ("float32", "float64"):
        raise ValueError(f"RFFT requires tf.float32 or tf.float64 inputs, got: {x!s}")
    return x


def dct(input, type=2, n=None, axis=-1, norm=None, name=None):  # noqa: A002 - TF's argument names
    """The discrete cosine transform (types I-IV) along the last axis, as `tf.signal.dct` (scipy's
    `scipy.fftpack.dct`).

    Args:
      input: a float32/float64 Tensor.
      type: the DCT type, 1, 2, 3 or 4.
      n: the transform length: the input is cropped or zero-padded to it (default: the last dimension).
      axis: must be -1.
      norm: None or "ortho" (not for type 1).
      name: unused.

    Returns:
      A Tensor of the input's dtype, its last dimension `n`.
    """
    x = _dct_input(input, type, n, axis, norm)
    return apply(SIGNAL["dct"], [x], (("type", type), ("n", n), ("norm", norm)))


def idct(input, type=2, n=None, axis=-1, norm=None, name=None):  # noqa: A002 - TF's argument names
    """The inverse DCT (a DCT of the inverse type: 2 <-> 3, 1 and 4 their own), as `tf.signal.idct`.

    Args:
      input: a float32/float64 Tensor.
      type: the DCT type, 1, 2, 3 or 4.
      n: the transform length (default: the last dimension).
      axis: must be -1.
      norm: None or "ortho" (not for type 1).
      name: unused.

    Returns:
      A Tensor of the input's dtype.
    """
    x = _dct_input(input, type, n, axis, norm)
    return apply(SIGNAL["dct"], [x], (("type", {1: 1, 2: 3, 3: 2, 4: 4}[type]), ("n", n), ("norm", norm)))


def mfccs_from_log_mel_spectrograms(log_mel_spectrograms, name=None):
    """Mel-frequency cepstral coefficients of log-magnitude mel spectrograms, as
    `tf.signal.mfccs_from_log_mel_spectrograms` (an orthonormal DCT-II).

    Args:
      log_mel_spectrograms: a float32/float64 Tensor `[..., num_mel_bins]`.
      name: unused.

    Returns:
      A Tensor of the same shape.
    """
    x = as_value(log_mel_spectrograms)
    if x.shape and int(x.shape[-1]) == 0:
        raise ValueError(f"num_mel_bins must be positive. Got: {x!s}")
    _dct_input(x, 2, None, -1, None)
    return apply(SIGNAL["mfccs"], [x])


def mdct(signals, frame_length, window_fn=vorbis_window, pad_end=False, norm=None, name=None):
    """The modified discrete cosine transform of `signals`, as `tf.signal.mdct`.

    Args:
      signals: a float32/float64 Tensor `[..., samples]`.
      frame_length: the window length in samples, a multiple of 4 (the hop is half of it).
      window_fn: a callable `(frame_length, dtype) -> window`; default `vorbis_window`; None for a
        constant 1/sqrt(2) window.
      pad_end: whether to pad the end of `signals` with zeros.
      norm: None or "ortho".
      name: unused.

    Returns:
      A Tensor `[..., frames, frame_length // 2]`.
    """
    frame_length = _scalar_int(frame_length, "frame_length")
    if frame_length % 4 != 0:
        raise ValueError("The frame length must be a multiple of 4.")
    framed = frame(signals, frame_length, frame_length // 2, pad_end=pad_end)
    if window_fn is not None:
        framed = math_ops.multiply(framed, window_fn(frame_length, dtype=framed.dtype))
    else:
        framed = math_ops.multiply(framed, convert_to_tensor(1.0 / np.sqrt(2), dtype=framed.dtype))
    return dct(apply(SIGNAL["mdct_frames"], [framed]), type=4, norm=norm)


def inverse_mdct(mdcts, window_fn=vorbis_window, norm=None, name=None):
    """The inverse of `mdct`, as `tf.signal.inverse_mdct`.

    Args:
      mdcts: a float32/float64 Tensor `[..., frames, frame_length // 2]`.
      window_fn: a callable `(frame_length, dtype) -> window`; default `vorbis_window`; None for a
        constant 1/sqrt(2) window.
      norm: None or "ortho".
      name: unused.

    Returns:
      A Tensor `[..., samples]`.
    """
    x = as_value(mdcts)
    _rank_at_least(x, 2)
    _dct_input(x, 4, None, -1, norm)
    half = int(x.shape[-1])
    frames = apply(SIGNAL["inverse_mdct_frames"], [x], (("norm", norm),))
    if window_fn is not None:
        frames = math_ops.multiply(frames, window_fn(2 * half, dtype=x.dtype))
    else:
        frames = math_ops.multiply(frames, convert_to_tensor(1.0 / np.sqrt(2), dtype=x.dtype))
    return overlap_and_add(frames, half)
