"""JAX's persistent compilation cache, on by default, so the second run of a script starts warm.

The cache lives in the user's cache directory (`$XDG_CACHE_HOME/tapejax/jax`, by default
`~/.cache/tapejax/jax`), is bounded in size (JAX evicts the least recently used entries past
`MAX_BYTES`), and can be moved or turned off with the environment variable
`TAPEJAX_COMPILATION_CACHE` (a directory, or `0`/`off`/empty to disable) before import, or with
`tapejax.config.experimental.set_compilation_cache(directory_or_None)` at any time. A cache that
cannot be used (a read-only or unwritable directory) is turned off with a warning: a program never
fails because of it, and JAX itself only warns on an unreadable entry and recompiles.
"""

from __future__ import annotations

import os
import tempfile

import jax
from jax.experimental.compilation_cache import compilation_cache as _jax_cache

from tapejax._errors import logger

MAX_BYTES = 2 * 1024**3
ENV = "TAPEJAX_COMPILATION_CACHE"
_OFF = {"", "0", "off", "false", "no", "none"}


def default_directory():
    """`$XDG_CACHE_HOME/tapejax/jax` (`~/.cache/tapejax/jax` when XDG_CACHE_HOME is unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "tapejax", "jax")


def _usable(directory):
    try:
        os.makedirs(directory, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".probe-"):
            pass
        return True
    except OSError as exc:
        logger().warning("tapejax: the compilation cache directory %r cannot be written (%s); "
                         "compiling without a persistent cache.", directory, exc)
        return False


def set_compilation_cache(directory):
    """Moves JAX's persistent compilation cache to `directory`, or turns it off with None.

    Args:
      directory: a directory path (created if needed), or None to compile without a cache.

    Returns:
      The directory in use, or None when the cache is off (also when `directory` is unusable).
    """
    if directory is not None and not _usable(os.fspath(directory)):
        directory = None
    _jax_cache.reset_cache()  # JAX opens its cache once: a new directory takes a fresh start
    jax.config.update("jax_compilation_cache_dir", None if directory is None else os.fspath(directory))
    if directory is not None:
        # Small programs too: a cold start compiles dozens of them (initializers, optimizer set-up).
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
        jax.config.update("jax_compilation_cache_max_size", MAX_BYTES)
    return None if directory is None else os.fspath(directory)


def compilation_cache_directory():
    """The directory of the persistent compilation cache, or None when it is off."""
    return jax.config.jax_compilation_cache_dir


def configure_from_environment():
    """Applies `TAPEJAX_COMPILATION_CACHE` (or the default directory) at import. A cache directory
    the user already gave JAX (`JAX_COMPILATION_CACHE_DIR`) is left as it is."""
    if jax.config.jax_compilation_cache_dir:
        return jax.config.jax_compilation_cache_dir
    setting = os.environ.get(ENV)
    if setting is not None and setting.strip().lower() in _OFF:
        return set_compilation_cache(None)
    return set_compilation_cache(setting or default_directory())
