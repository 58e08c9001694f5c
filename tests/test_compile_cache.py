"""The persistent compilation cache: on by default in the user's cache directory, movable, and never
a reason for a program to fail."""

import os
import subprocess
import sys

import jax

import tapejax as tf
from tapejax import _compile_cache


def _run(code, **env):
    full = {**os.environ, **env}
    out = subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1]


def test_the_default_directory_follows_xdg_cache_home(tmp_path):
    got = _run("import tapejax as tf; print(tf.config.experimental.get_compilation_cache())",
               XDG_CACHE_HOME=str(tmp_path), TAPEJAX_COMPILATION_CACHE="", JAX_COMPILATION_CACHE_DIR="")
    assert got == "None"  # an empty setting turns it off
    env = {k: v for k, v in os.environ.items() if k not in ("TAPEJAX_COMPILATION_CACHE", "JAX_COMPILATION_CACHE_DIR")}
    env["XDG_CACHE_HOME"] = str(tmp_path)
    out = subprocess.run([sys.executable, "-c", "import tapejax as tf; x = tf.constant([1.0]) * 2.0; "
                          "print(tf.config.experimental.get_compilation_cache())"],
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip().splitlines()[-1] == str(tmp_path / "tapejax" / "jax")
    assert any(name.startswith("jit_") for name in os.listdir(tmp_path / "tapejax" / "jax"))


def test_the_environment_variable_moves_or_disables_the_cache(tmp_path):
    assert _run("import tapejax as tf; print(tf.config.experimental.get_compilation_cache())",
                TAPEJAX_COMPILATION_CACHE=str(tmp_path / "here"), JAX_COMPILATION_CACHE_DIR="") == \
        str(tmp_path / "here")
    assert _run("import tapejax as tf; print(tf.config.experimental.get_compilation_cache())",
                TAPEJAX_COMPILATION_CACHE="off", JAX_COMPILATION_CACHE_DIR="") == "None"


def test_an_unwritable_directory_turns_the_cache_off_with_a_warning(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    before = jax.config.jax_compilation_cache_dir
    try:
        assert _compile_cache.set_compilation_cache(str(blocker / "cache")) is None
        assert tf.config.experimental.get_compilation_cache() is None
        assert "cannot be written" in caplog.text
        assert float((tf.constant([1.0, 2.0]) * 3.0).numpy()[1]) == 6.0
    finally:
        _compile_cache.set_compilation_cache(before)


def test_set_compilation_cache_moves_it_and_bounds_its_size(tmp_path):
    before = jax.config.jax_compilation_cache_dir
    try:
        assert tf.config.experimental.set_compilation_cache(str(tmp_path)) == str(tmp_path)
        assert jax.config.jax_compilation_cache_dir == str(tmp_path)
        assert jax.config.jax_compilation_cache_max_size == _compile_cache.MAX_BYTES
        assert tf.config.experimental.set_compilation_cache(None) is None
        assert jax.config.jax_compilation_cache_dir is None
    finally:
        _compile_cache.set_compilation_cache(before)
