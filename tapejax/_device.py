"""Device placement as TF spells it: `tf.device` scopes, device strings, `tf.config` device lists.

A `tf.device(name)` scope makes the named JAX device the default device of the current thread
(`jax.default_device`), so arrays created inside it, and the jitted kernels of ops whose inputs
are not committed elsewhere, live there. A name whose device does not exist falls back as TF's soft
placement does (a GPU name with no GPU runs on the CPU). Outside any scope nothing here runs per op:
`Tensor.device` reads the array's device when asked.
"""

from __future__ import annotations

import collections
import threading

import jax

from tapejax import _context

_VALID_DEVICE_TYPES = frozenset({"CPU", "GPU", "TPU", "CUSTOM", "EPU"})
_PLATFORM_TYPES = {"cpu": "CPU", "gpu": "GPU", "cuda": "GPU", "rocm": "GPU", "tpu": "TPU"}

PhysicalDevice = collections.namedtuple("PhysicalDevice", ["name", "device_type"])
LogicalDevice = collections.namedtuple("LogicalDevice", ["name", "device_type"])
LogicalDeviceConfiguration = collections.namedtuple(
    "LogicalDeviceConfiguration", ["memory_limit", "experimental_priority", "experimental_device_ordinal"],
    defaults=(None, None, None))


class _Scope(threading.local):
    spec = None  # the merged (job, replica, task, device_type, device_index) of the active scopes


_scope = _Scope()
_strings = {}  # jax device -> TF's device string


# -- JAX devices in TF's terms ---------------------------------------------------------------
def _local_devices():
    """Every local JAX device: the CPUs first (TF lists CPU:0 first), then the default backend's."""
    found = []
    for backend in dict.fromkeys(("cpu", jax.default_backend())):
        try:
            found.extend(jax.local_devices(backend=backend))
        except RuntimeError:  # pragma: no cover - a backend that is not installed
            pass
    return found


def _device_type(device):
    return _PLATFORM_TYPES.get(device.platform, device.platform.upper())


def _indexed_devices():
    """[(device_type, index, jax device)], the index counted per type as TF does."""
    counts = collections.Counter()
    indexed = []
    for device in _local_devices():
        kind = _device_type(device)
        indexed.append((kind, counts[kind], device))
        counts[kind] += 1
    return indexed


def device_string(device):
    """TF's full name of a JAX device: '/job:localhost/replica:0/task:0/device:CPU:0'."""
    found = _strings.get(device)
    if found is None:
        for kind, index, candidate in _indexed_devices():
            _strings[candidate] = (f"/job:localhost/replica:0/task:{candidate.process_index}"
                                   f"/device:{kind}:{index}")
        found = _strings.get(device)
        if found is None:  # a device of another process
            found = f"/job:localhost/replica:0/task:{device.process_index}/device:{_device_type(device)}:{device.id}"
    return found


def value_device(value):
    """`Tensor.device` / `Variable.device` of an array: TF's device string.

    Inside `tapejax.function` (a traced value) it is the enclosing `tf.device` scope's name, or ''
    when there is none, as TF's graph tensors report.
    """
    if isinstance(value, jax.core.Tracer):
        spec = _scope.spec
        if spec is None or spec[3] is None:
            return ""
        return f"/device:{spec[3]}:{0 if spec[4] is None else spec[4]}"
    devices = getattr(value, "devices", None)
    if devices is None:  # a host value (a string tensor's NumPy array)
        return device_string(jax.local_devices(backend="cpu")[0])
    return device_string(next(iter(devices())))


# -- tf.device -------------------------------------------------------------------------------
def parse(spec):
    """TF's `DeviceSpec` parsing: (job, replica, task, device_type, device_index).

    Raises:
      ValueError: for a part TF does not know, or two device types, with TF's message.
    """
    job = replica = task = device_type = device_index = None
    for part in (spec or "").split("/"):
        y = part.split(":")
        n = len(y)
        if n == 2 and y[0] == "job":
            job = y[1]
        elif n == 2 and y[0] == "replica":
            replica = int(y[1])
        elif n == 2 and y[0] == "task":
            task = int(y[1])
        elif n in (1, 2) and y[0].upper() in _VALID_DEVICE_TYPES:
            if device_type is not None:
                raise ValueError(f"Multiple device types are not allowed while parsing the device spec: {spec}.")
            device_type = y[0].upper()
            if n == 2 and y[1] != "*":
                device_index = int(y[1])
        elif n == 3 and y[0] == "device":
            if device_type is not None:
                raise ValueError(f"Multiple device types are not allowed while parsing the device spec: {spec}.")
            device_type = y[1]
            if y[2] != "*":
                device_index = int(y[2])
        elif n and y[0] != "":
            raise ValueError(f"Unknown attribute '{y[0]}' is encountered while parsing the device spec: '{spec}'.")
    return (job, replica, task, device_type, device_index)


def _merge(old, new):
    return tuple(b if b is not None else a for a, b in zip(old, new))


def _resolve(spec):
    """The JAX device for a merged spec; soft placement when it does not exist, as TF eager."""
    if spec is None:
        return None
    kind = spec[3]
    if kind == "XLA_CPU":
        kind = "CPU"
    elif kind == "XLA_GPU":
        kind = "GPU"
    index = spec[4] or 0
    of_kind = [(i, d) for k, i, d in _indexed_devices() if k == kind and _is_visible(k, i)]
    for i, device in of_kind:
        if i == index:
            return device
    if of_kind:
        return of_kind[0][1]
    return _default_device()


def _default_device():
    """JAX's default device (the CPU once `set_visible_devices` hid every accelerator)."""
    chosen = jax.config.jax_default_device
    return chosen if isinstance(chosen, jax.Device) else jax.local_devices()[0]


def _is_visible(kind, index):
    return kind not in _visible or PhysicalDevice(f"/physical_device:{kind}:{index}", kind) in _visible[kind]


class _DeviceScope:
    """The context manager `tf.device(name)` returns."""

    __slots__ = ("_name", "_saved", "_jax_scope", "_deferral_off")

    def __init__(self, name):
        self._name = name

    def __enter__(self):
        name = self._name
        old = _scope.spec
        if name is None:
            new = None
        else:
            if not isinstance(name, str):
                raise ValueError(f"Expecting a string device name. Got {type(name)}({name})")
            parsed = parse(name)
            base = old if old is not None else ("localhost", 0, 0, "CPU", 0)
            new = _merge(base, parsed)
        target = _resolve(new)
        # Deferred ops (see `_lazy`) would run where they are read, maybe outside this scope: in a
        # scope placing work off JAX's default device they run at once instead.
        self._deferral_off = target is not None and target != _default_device()
        self._saved = old
        self._jax_scope = jax.default_device(target)
        self._jax_scope.__enter__()
        _scope.spec = new
        if self._deferral_off:
            _context.current.eager_device_scopes += 1
        return None

    def __exit__(self, *exc):
        _scope.spec = self._saved
        self._jax_scope.__exit__(*exc)
        if self._deferral_off:
            _context.current.eager_device_scopes -= 1
        return False


def device(device_name):
    """Specifies the device new tensors and ops in a `with` block use, as `tf.device`.

    Args:
      device_name: a device name such as `"/CPU:0"`, `"GPU:0"`, `"/device:GPU:1"` or
        `"/job:localhost/replica:0/task:0/device:CPU:0"`; partial names merge with the enclosing
        scope's; `None` clears the enclosing scopes.

    Returns:
      A context manager. Inside it, arrays are created on the named JAX device. A device that does
      not exist falls back as TF's soft placement does: another device of the same type, else JAX's
      default device (a GPU name on a machine without GPUs runs on the CPU). The scope is per thread.
      Inside `tapejax.function` the compiled step runs where its inputs live; the scope only sets
      the `.device` strings of traced tensors.

    Raises:
      RuntimeError: when given a function (TF does not support `tf.device(fn)`).
      ValueError: on entering, for a name TF cannot parse.
    """
    if callable(device_name):
        raise RuntimeError("tf.device does not support functions.")
    return _DeviceScope(device_name)


# -- tf.config -------------------------------------------------------------------------------
_visible = {}  # device_type -> the PhysicalDevices made visible (absent: all)
_memory_growth = {}


def list_physical_devices(device_type=None):
    """The physical devices, as `tf.config.list_physical_devices`.

    Args:
      device_type: "CPU", "GPU", ... (case-sensitive, as TF); None lists every device.

    Returns:
      A list of `PhysicalDevice(name='/physical_device:CPU:0', device_type='CPU')`.
    """
    return [PhysicalDevice(f"/physical_device:{kind}:{index}", kind) for kind, index, _ in _indexed_devices()
            if device_type is None or kind == device_type]


def list_logical_devices(device_type=None):
    """The visible devices as `tf.config.list_logical_devices` names them ('/device:CPU:0')."""
    return [LogicalDevice(f"/device:{d.device_type}:{d.name.rsplit(':', 1)[1]}", d.device_type)
            for d in get_visible_devices(device_type)]


def get_visible_devices(device_type=None):
    """The physical devices the runtime may use (all of them unless `set_visible_devices` hid some)."""
    return [d for d in list_physical_devices(device_type)
            if d.device_type not in _visible or d in _visible[d.device_type]]


def set_visible_devices(devices, device_type=None):
    """Restricts the devices of `device_type` the runtime uses, as `tf.config.set_visible_devices`.

    Hiding every GPU (`set_visible_devices([], "GPU")`) makes the CPU JAX's default device.

    Raises:
      RuntimeError: when asked to hide every CPU (TF's error once its runtime has started).
    """
    if isinstance(devices, PhysicalDevice):
        devices = [devices]
    devices = list(devices)
    kinds = {device_type} if device_type is not None else {d.device_type for d in list_physical_devices()}
    for kind in kinds:
        chosen = [d for d in devices if d.device_type == kind]
        if kind == "CPU" and not chosen:
            raise RuntimeError("Visible devices cannot be modified after being initialized\ntapejax: the CPU "
                               "always stays visible (JAX's runtime starts with tapejax's import).")
        _visible[kind] = chosen
    if not any(d.device_type != "CPU" for d in get_visible_devices()) and jax.default_backend() != "cpu":
        jax.config.update("jax_default_device", jax.local_devices(backend="cpu")[0])


def set_memory_growth(device, enable):
    """`tf.config.experimental.set_memory_growth`: recorded only (JAX allocates on its own terms).

    Raises:
      ValueError: for a CPU device, as TF.
    """
    if device.device_type == "CPU":
        raise ValueError("Cannot set memory growth on non-GPU and non-Pluggable devices")
    _memory_growth[device] = bool(enable)


def get_memory_growth(device):
    """`tf.config.experimental.get_memory_growth`: what `set_memory_growth` recorded.

    Raises:
      KeyError: for a CPU device, as TF.
    """
    if device.device_type == "CPU":
        raise KeyError(device)
    return _memory_growth.get(device, False)


_logical_configurations = {}


def set_logical_device_configuration(device, logical_devices):
    """`tf.config.set_logical_device_configuration`: recorded only.

    JAX's devices are fixed when it starts: for several CPU devices set
    `XLA_FLAGS=--xla_force_host_platform_device_count=N` before importing tapejax; GPU memory limits
    are JAX's `XLA_PYTHON_CLIENT_MEM_FRACTION` / `XLA_PYTHON_CLIENT_PREALLOCATE` environment variables.
    """
    _logical_configurations[device] = list(logical_devices)


def get_logical_device_configuration(device):
    """What `set_logical_device_configuration` recorded for `device`, or None."""
    return _logical_configurations.get(device)
