"""Lazy package exports (PEP 562): a name is imported the first time it is used.

``import vizkit`` must not load moderngl, pyglet or ibis: ``vizkit --help`` and ``vizkit check``
start in a fraction of a second, and the GL-free modules (data, privacy, clock, …) import where
no GL is installed. So package ``__init__`` files import nothing at run time; they list what
they export and hand the list to :func:`lazy_exports`::

    if TYPE_CHECKING:                       # IDEs and type checkers see the real names
        from vizkit.layers.terrain import Terrain
    __all__ = ["Terrain"]
    __getattr__, __dir__ = lazy_exports(__name__, {"Terrain": "vizkit.layers.terrain"})

The first ``vizkit.Terrain`` imports ``vizkit.layers.terrain`` and stores the class on the
package, so every later lookup is an ordinary attribute read (no per-frame cost). Submodules
resolve too (``vizkit.data`` after ``import vizkit``), as they did when everything was imported
eagerly. ``tests/test_lazy_imports.py`` keeps the table, ``__all__`` and the ``TYPE_CHECKING``
block in step.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str]
                 ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Module ``__getattr__`` and ``__dir__`` for ``package``.

    Args:
        package: the package's ``__name__``.
        exports: public name → the module that defines it (absolute module path).

    Returns:
        ``(__getattr__, __dir__)`` to assign in the package's ``__init__``.
    """

    def module_getattr(name: str) -> Any:
        module_name = exports.get(name)
        if module_name is not None:
            value = getattr(importlib.import_module(module_name), name)
        elif not name.startswith("__") and _is_submodule(package, name):
            value = importlib.import_module(f"{package}.{name}")
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        setattr(sys.modules[package], name, value)  # later lookups skip __getattr__
        return value

    def module_dir() -> list[str]:
        import pkgutil  # only for tab completion: keep it off the start-up path

        module = sys.modules[package]
        submodules = {info.name for info in pkgutil.iter_modules(module.__path__)
                      if not info.name.startswith("_")}
        return sorted(set(vars(module)) | set(exports) | submodules)

    return module_getattr, module_dir


def _is_submodule(package: str, name: str) -> bool:
    try:
        return importlib.util.find_spec(f"{package}.{name}") is not None
    except (ImportError, ValueError):
        return False
