"""What ``vizkit demo`` shows: an exhibit shipped inside the package.

The demo is an exhibit folder like any other — ``exhibit.toml``, its scene script and its data —
so it renders and runs exactly as ``vizkit render``/``vizkit run`` would show it from a project
checkout, with the exhibit's size, display (window, fullscreen or dome) and privacy threshold.
It is found through :mod:`importlib.resources`, so it works from an installed package anywhere.

**Packaging.** ``vizkit/bundle/`` holds three symbolic links into the project —
``exhibits -> ../../exhibits``, ``scenes -> ../../scenes``, ``assets -> ../../assets`` — so the
repository keeps one copy of each file. An editable install reads the project's own files; a
wheel (``pip install .``) copies them into ``vizkit/bundle/`` (``[tool.setuptools.package-data]``
in pyproject.toml). Inside the bundle the exhibit's relative ``scene = "../../scenes/…"`` and the
scenes' ``../assets`` resolve as they do in the checkout.

To show another exhibit (one in ``exhibits/``), change :data:`DEMO_EXHIBIT`.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

DEMO_EXHIBIT = "uppsala"   # the flagship: Uppsala län's population and a day of commuting
BUNDLE = "bundle"


class DemoMissingError(FileNotFoundError):
    """The demo exhibit is not packaged with this vizkit installation."""


def exhibit_folder(name: str = DEMO_EXHIBIT) -> Path:
    """The packaged exhibit folder ``name`` (real files on disk, symbolic links resolved)."""
    folder = files("vizkit") / BUNDLE / "exhibits" / name
    if not isinstance(folder, Path):  # a zipped install: exhibits need real files
        raise DemoMissingError(f"the demo exhibit {name!r} needs vizkit installed as files, "
                               f"not zipped ({folder})")
    if not (folder / "exhibit.toml").is_file():
        raise DemoMissingError(f"the demo exhibit {name!r} is not packaged with vizkit "
                               f"(no {folder / 'exhibit.toml'})")
    return folder.resolve()
