"""tf.device scopes, device strings and tf.config device lists (tapejax/_device.py)."""

import os
import subprocess
import sys
import textwrap
import threading

import jax
import pytest

import tapejax as tf
from tapejax import _device, _lazy

CPU0 = "/job:localhost/replica:0/task:0/device:CPU:0"


def test_parse_reads_every_part_of_a_full_device_name():
    assert _device.parse("/job:worker/replica:1/task:2/device:GPU:3") == ("worker", 1, 2, "GPU", 3)


def test_parse_accepts_short_and_lower_case_device_types():
    assert _device.parse("gpu:1") == (None, None, None, "GPU", 1)
    assert _device.parse("/CPU") == (None, None, None, "CPU", None)
    assert _device.parse("/device:GPU:*") == (None, None, None, "GPU", None)


def test_parse_rejects_an_unknown_part_with_tf_message():
    with pytest.raises(ValueError, match="Unknown attribute 'XPU' is encountered while parsing the device "
                                         "spec: 'XPU:0'."):
        _device.parse("XPU:0")


def test_device_string_names_the_jax_device_as_tf():
    assert _device.device_string(jax.local_devices(backend="cpu")[0]) == CPU0


def test_tensor_and_variable_report_tf_device_strings():
    assert tf.constant([1.0]).device == CPU0
    assert tf.Variable(1.0).device == CPU0


def test_device_of_a_deferred_tensor_is_where_its_value_is():
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = x * x
    assert y.device == CPU0
    assert tape.gradient(y, x).device == CPU0


def test_scope_on_the_default_device_leaves_deferral_alone():
    assert _lazy.deferring()
    with tf.device("/CPU:0"):
        assert _lazy.deferring()
    assert _lazy.deferring()


def test_scope_state_is_per_thread():
    seen = {}

    def other():
        seen["spec"] = _device._scope.spec

    with tf.device("/GPU:0"):
        assert _device._scope.spec[3] == "GPU"
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
    assert seen["spec"] is None
    assert _device._scope.spec is None


def test_scope_is_restored_after_an_exception():
    with pytest.raises(RuntimeError):
        with tf.device("/CPU:0"):
            raise RuntimeError("boom")
    assert _device._scope.spec is None


def test_device_refuses_a_function():
    with pytest.raises(RuntimeError, match="tf.device does not support functions."):
        tf.device(lambda op: "/CPU:0")


def test_set_visible_devices_refuses_to_hide_every_cpu():
    with pytest.raises(RuntimeError, match="Visible devices cannot be modified after being initialized"):
        tf.config.set_visible_devices([], "CPU")


def test_memory_growth_is_recorded_for_a_gpu_device():
    gpu = tf.config.PhysicalDevice(name="/physical_device:GPU:0", device_type="GPU")
    assert tf.config.experimental.get_memory_growth(gpu) is False
    tf.config.experimental.set_memory_growth(gpu, True)
    assert tf.config.experimental.get_memory_growth(gpu) is True


_TWO_CPUS = textwrap.dedent("""
    import threading
    import tapejax as tf
    from tapejax import _lazy
    cpus = tf.config.list_logical_devices("CPU")
    print([d.name for d in cpus])
    a = tf.constant([1.0, 2.0])
    with tf.device("/CPU:1"):
        print(_lazy.deferring())
        other = threading.Thread(target=lambda: print(_lazy.deferring()))  # scopes are per thread
        other.start()
        other.join()
        b = tf.constant([3.0, 4.0])
        v = tf.Variable([1.0, 1.0])
        with tf.GradientTape() as tape:
            c = b * v  # recorded on a tape: computed on CPU:1 at once, not deferred
        d = a + 1.0  # an input from CPU:0, uncommitted: the op runs in the scope
    print(_lazy.deferring())
    print(a.device)
    print(b.device)
    print(v.device)
    print(c.device)
    print(d.device)
    print(tape.gradient(c, v).numpy().tolist())
    with tf.device("/CPU:5"):  # no such device: soft placement on CPU:0
        print(tf.constant(1.0).device)
    tf.config.set_visible_devices(tf.config.list_physical_devices("CPU")[:1], "CPU")
    print([d.name for d in tf.config.list_logical_devices()])
    with tf.device("/CPU:1"):  # hidden now: soft placement on CPU:0
        print(tf.constant(1.0).device)
""")


def test_scopes_place_arrays_on_the_named_device_of_several():
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=2", JAX_PLATFORMS="cpu")
    done = subprocess.run([sys.executable, "-c", _TWO_CPUS], capture_output=True, text=True, env=env,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    cpu1 = CPU0[:-1] + "1"
    assert lines == ["['/device:CPU:0', '/device:CPU:1']", "False", "True", "True", CPU0, cpu1, cpu1, cpu1, cpu1,
                     "[3.0, 4.0]", CPU0, "['/device:CPU:0']", CPU0]


def test_logical_device_configuration_is_recorded_per_device():
    gpu = tf.config.PhysicalDevice(name="/physical_device:GPU:0", device_type="GPU")
    configs = [tf.config.LogicalDeviceConfiguration(memory_limit=1024)]
    tf.config.set_logical_device_configuration(gpu, configs)
    assert tf.config.get_logical_device_configuration(gpu) == configs
    assert tf.config.experimental.get_virtual_device_configuration(gpu) == configs
