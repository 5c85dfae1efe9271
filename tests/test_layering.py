"""The package's layers point one way: GL-free modules never import moderngl or pyglet."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "vizkit"
GL_MODULES = {"moderngl", "pyglet", "glcontext"}
# Modules that may talk to the GL: the gpu package, layers, passes and targets.
GL_ALLOWED = ("gpu", "layers", "render", "targets")


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_gl_free_modules_do_not_import_the_gl():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in GL_ALLOWED:
            continue
        if imported_roots(path) & GL_MODULES:
            offenders.append(str(relative))
    assert not offenders, f"GL imported outside gpu/layers/render/targets: {offenders}"


def test_data_and_privacy_do_not_depend_on_rendering():
    for package in ("data", "privacy"):
        for path in (PACKAGE / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for banned in ("vizkit.layers", "vizkit.gpu", "vizkit.render", "vizkit.targets",
                           "vizkit.scene"):
                assert banned not in text, f"{path.relative_to(PACKAGE)} imports {banned}"


def test_shaders_ship_inside_the_package():
    shaders = list((PACKAGE / "shaders").rglob("*.vert")) + list(
        (PACKAGE / "shaders").rglob("*.frag"))
    assert shaders
    for shader in shaders:
        first = shader.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("#version"), f"{shader.name} must start with #version"
