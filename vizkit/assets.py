"""Finding a scene's data files: ``assets.path("uppsala_population.json")``.

A scene script looks for its files, in order, in ``<script dir>/assets``, ``<script dir>/..
/assets`` (the project's top-level ``assets/`` for scripts in ``scenes/``), and ``./assets``.
"""

from __future__ import annotations

from pathlib import Path


class Assets:
    """Ordered search roots for data files."""

    def __init__(self, *roots: str | Path):
        self.roots = [Path(r) for r in roots]

    @classmethod
    def for_script(cls, script: str | Path | None) -> Assets:
        roots: list[Path] = []
        if script is not None:
            here = Path(script).resolve().parent
            roots += [here / "assets", here.parent / "assets", here]
        roots.append(Path.cwd() / "assets")
        unique = list(dict.fromkeys(roots))
        return cls(*unique)

    def path(self, name: str) -> Path:
        """The first existing ``root / name``; a clear error listing the roots otherwise."""
        for root in self.roots:
            candidate = root / name
            if candidate.exists():
                return candidate
        tried = ", ".join(str(r) for r in self.roots)
        raise FileNotFoundError(f"asset {name!r} not found (looked in: {tried})")
