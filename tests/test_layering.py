"""vizkit's imports point one way: down the tiers of docs/architecture.md, transitively.

The import graph is built from the source (AST), not by importing it: every ``import`` and
``from … import`` at module level *and* inside functions counts, because a function-level import
runs too, only later; imports under ``if TYPE_CHECKING:`` do not (type checkers only). A name
imported from a lazy package (``from vizkit.gpu import GpuContext``) counts as an import of the
module that defines it, found through the package's ``TYPE_CHECKING`` block, which
tests/test_lazy_imports.py keeps equal to its lazy table. Importing a module also runs its
parent packages' ``__init__``; those edges count for what they pull in, and a package shares
its modules' tier (so the edge itself is never "upward"). The root ``vizkit/__init__.py`` only
imports the lazy helper (tests/test_lazy_imports.py checks it), so it is left out as a parent.

TIERS below is the one definition; docs/architecture.md draws the same table and a test here
keeps the two equal.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "vizkit"
DOC = ROOT / "docs" / "architecture.md"

# Lowest first. A module may import modules of its own tier or of any tier below it, never
# above, directly or through others. "x.*" is the package x and everything in it; names are
# relative to vizkit ("vizkit" itself is the package's lazy __init__).
TIERS: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("_lazy", "clock", "easing", "events", "colormap", "image", "assets", "output",
              "sinks", "video", "look")),
    ("view", ("matrices", "camera", "view", "timeline", "fisheye", "framing", "comfort")),
    ("data", ("data.*",)),
    ("privacy", ("privacy.*",)),
    ("text", ("text.*",)),
    ("input", ("input.*",)),
    ("quality", ("quality", "exhibit")),
    ("gpu", ("gpu.*", "shaders.*")),
    ("layers", ("layers.*",)),
    ("render", ("render.*",)),
    ("targets", ("targets.*",)),
    ("scene", ("scene",)),
    ("app", ("vizkit", "__main__", "cli.*", "runtime", "script", "export", "recording", "farm",
             "demo", "testing")),
]
GL_FREE_BELOW = "gpu"  # every tier under this one is GL-free
GL_PACKAGES = {"moderngl", "pyglet", "glcontext"}
IBIS_ONLY_IN = {"vizkit.privacy.aggregate"}  # loaded on first use of aggregate_od/_grid

# Imports of another module's private (_underscore) names that are known and accepted (none:
# shared helpers get public names in the module both sides import).
KNOWN_PRIVATE_IMPORTS: set[tuple[str, str]] = set()


# -- the graph ---------------------------------------------------------------------------------

def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def is_package(module: str) -> bool:
    return MODULES[module].name == "__init__.py"


def is_type_checking(node: ast.If) -> bool:
    test = node.test
    return ((isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
            or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"))


def runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node that runs at some point: all but ``if TYPE_CHECKING:`` bodies."""
    for child in ast.iter_child_nodes(tree):
        if isinstance(child, ast.If) and is_type_checking(child):
            for other in child.orelse:
                yield other
                yield from runtime_nodes(other)
            continue
        yield child
        yield from runtime_nodes(child)


@cache
def parsed(module: str) -> ast.Module:
    return ast.parse(MODULES[module].read_text(encoding="utf-8"))


@cache
def reexports(package: str) -> dict[str, str]:
    """What a package's ``__init__`` re-exports: name → module that defines it (lazy tables are
    mirrored by the ``TYPE_CHECKING`` block; eager imports count too)."""
    names: dict[str, str] = {}
    for node in ast.walk(parsed(package)):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                names[alias.asname or alias.name] = node.module
    return names


def resolve_from(module: str, name: str) -> list[str]:
    """The modules ``from module import name`` runs: a submodule, or the defining module of a
    (possibly lazy, possibly re-re-exported) name."""
    if f"{module}.{name}" in MODULES:
        return [f"{module}.{name}"]
    if module in MODULES and is_package(module) and name in reexports(module):
        source = reexports(module)[name]
        if source.startswith("vizkit") and source != module:
            return [source, *resolve_from(source, name)]
    return []


def absolute(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package(module) else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


@cache
def imports_of(module: str, *, with_parents: bool = True
               ) -> tuple[frozenset[str], frozenset[str]]:
    """(vizkit modules, external top-level packages) that ``module``'s code imports at run time,
    at module level or in functions. ``with_parents``: also the packages Python runs on the way
    (the parents of ``module`` and of each module it imports; never the root)."""
    internal: set[str] = set()
    external: set[str] = set()

    def add(target: str) -> None:
        if target.split(".")[0] != "vizkit":
            external.add(target.split(".")[0])
        elif target in MODULES and target != "vizkit":
            internal.add(target)
            if with_parents:
                internal.update(parents(target))

    for node in runtime_nodes(parsed(module)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            source = absolute(module, node)
            add(source)
            for alias in node.names:
                for target in resolve_from(source, alias.name):
                    add(target)
    if with_parents:
        internal.update(parents(module))
    internal.discard(module)
    return frozenset(internal), frozenset(external)


def parents(module: str) -> list[str]:
    """The packages Python runs before ``module`` (the root excepted, see the module doc)."""
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(2, len(parts))]


@cache
def reachable(module: str, *, with_parents: bool = True) -> dict[str, list[str]]:
    """Every vizkit module ``module`` runs, directly or through others, with one import chain
    to it (for the error message). Breadth-first, so the chain is a shortest one."""
    chains = {module: [module]}
    queue = [module]
    while queue:
        current = queue.pop(0)
        for target in sorted(imports_of(current, with_parents=with_parents)[0]):
            if target not in chains:
                chains[target] = [*chains[current], target]
                queue.append(target)
    del chains[module]
    return chains


def tier_of(module: str) -> int:
    short = "vizkit" if module == "vizkit" else module.removeprefix("vizkit.")
    for index, (_, patterns) in enumerate(TIERS):
        for pattern in patterns:
            if pattern.endswith(".*"):
                if short == pattern[:-2] or short.startswith(pattern[:-1]):
                    return index
            elif short == pattern:
                return index
    raise AssertionError(f"{module} has no tier: add it to TIERS in tests/test_layering.py "
                         "and to the picture in docs/architecture.md")


def chain(path: list[str]) -> str:
    return " → ".join(path)


# -- the rules ---------------------------------------------------------------------------------

def test_every_module_has_a_tier():
    for module in MODULES:
        tier_of(module)


def test_imports_only_go_down_the_tiers_transitively():
    offenders = []
    for module in sorted(MODULES):
        tier = tier_of(module)
        for target, path in reachable(module).items():
            if tier_of(target) > tier:
                offenders.append(f"{TIERS[tier][0]} imports {TIERS[tier_of(target)][0]}: "
                                 f"{chain(path)}")
    assert not offenders, "imports that go up:\n" + "\n".join(offenders)


def test_gl_free_tiers_never_reach_the_gl():
    """Below ``gpu`` nothing imports moderngl, pyglet or glcontext, directly or through others."""
    limit = [name for name, _ in TIERS].index(GL_FREE_BELOW)
    offenders = []
    for module in sorted(MODULES):
        if tier_of(module) >= limit:
            continue
        for target, path in {module: [module], **reachable(module)}.items():
            if found := imports_of(target)[1] & GL_PACKAGES:
                offenders.append(f"{chain(path)} imports {sorted(found)}")
    assert not offenders, "\n".join(offenders)


def test_ibis_is_imported_only_by_the_aggregation_module():
    importers = {module for module in MODULES if "ibis" in imports_of(module)[1]}
    assert importers == IBIS_ONLY_IN
    reach = {module for module in MODULES
             if module not in IBIS_ONLY_IN and IBIS_ONLY_IN & set(reachable(module))}
    assert not reach, f"modules that load ibis through the aggregation module: {sorted(reach)}"


def test_no_import_cycles():
    """No module imports itself again through the modules it names (a package ``__init__``
    running its own modules, and a module running its package, is how packages work and is
    left out here)."""
    cycles = []
    for module in sorted(MODULES):
        for target, path in reachable(module, with_parents=False).items():
            back = reachable(target, with_parents=False).get(module)
            if back is not None:
                cycles.append(chain([*path, *back[1:]]))
    assert not cycles, "\n".join(cycles)


def test_no_module_imports_another_modules_private_names():
    """``from x import _helper`` couples two modules through a detail; shared helpers belong in
    a module of their own (private modules like ``data/_load.py`` are fine to import)."""
    found = set()
    for module in MODULES:
        for node in runtime_nodes(parsed(module)):
            if isinstance(node, ast.ImportFrom):
                source = absolute(module, node)
                if source.rpartition(".")[2].startswith("_") or not source.startswith("vizkit"):
                    continue
                found |= {(module, f"{source}.{alias.name}") for alias in node.names
                          if alias.name.startswith("_") and alias.name != "__version__"}
    fixed = KNOWN_PRIVATE_IMPORTS - found
    assert not fixed, f"fixed, delete from KNOWN_PRIVATE_IMPORTS: {sorted(fixed)}"
    assert found == KNOWN_PRIVATE_IMPORTS, f"new: {sorted(found - KNOWN_PRIVATE_IMPORTS)}"


def test_the_architecture_page_draws_these_tiers():
    """docs/architecture.md's tier picture lists the tiers of TIERS, top down, with the same
    modules (its lines read ``name   module · module · …   (comment)``)."""
    text = DOC.read_text(encoding="utf-8")
    block = text.split("<!-- tiers: tests/test_layering.py -->", 1)[1].split("```")[1]
    names = {name for name, _ in TIERS}
    drawn = []
    for line in block.splitlines():
        match = re.match(r"\s*(\w+)\s{2,}(.+)$", line)
        if match and match.group(1) in names:
            members = re.split(r"\s{2,}|\(", match.group(2))[0]
            drawn.append((match.group(1), tuple(m.strip() for m in members.split(" · "))))
    assert drawn == list(reversed(TIERS))


def test_the_graph_sees_lazy_and_function_level_imports():
    """Guard for the guard: the builder must see through lazy packages and into functions."""
    scene_imports = imports_of("vizkit.scene")[0]
    assert "vizkit.targets.offscreen" in scene_imports  # inside Scene.snapshot
    assert "vizkit.privacy.policy" in scene_imports  # `from vizkit.privacy import …` (lazy)
    assert "vizkit.gpu.context" in imports_of("vizkit.layers.base")[0]  # lazy vizkit.gpu
    top = resolve_from("vizkit", "Terrain")
    assert top == ["vizkit.layers", "vizkit.layers.terrain"]  # root → layers → terrain
    assert "vizkit.targets.dome" not in reachable("vizkit.render.renderer")


def test_shaders_ship_inside_the_package():
    shaders = list((PACKAGE / "shaders").rglob("*.vert")) + list(
        (PACKAGE / "shaders").rglob("*.frag"))
    assert shaders
    for shader in shaders:
        first = shader.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("#version"), f"{shader.name} must start with #version"
