"""GL-free means importable (and usable) where moderngl, pyglet and ibis are not installed.

Each scenario runs in a fresh interpreter whose ``sys.meta_path`` starts with a finder that
refuses moderngl, pyglet, glcontext and ibis and records every attempt. A scenario passes when
its code runs, nothing asked for a blocked package (an ``ImportError`` caught somewhere on the
way is still caught here), and none of them ended up in ``sys.modules``.

The lazy package exports themselves (:mod:`vizkit._lazy`) are checked at the bottom: the table,
``__all__`` and the ``TYPE_CHECKING`` imports of each package name the same things.
"""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "vizkit"
ASSETS = ROOT / "assets"
BLOCKED = ("moderngl", "pyglet", "glcontext", "ibis")
LAZY_PACKAGES = ("vizkit", "vizkit.data", "vizkit.gpu", "vizkit.layers", "vizkit.privacy")

HARNESS = """
import importlib.abc, json, sys, traceback

BLOCKED = {blocked!r}

class Blocker(importlib.abc.MetaPathFinder):
    def __init__(self):
        self.attempts = []

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            self.attempts.append(name)
            raise ModuleNotFoundError(f"{{name}} is blocked by this test", name=name)
        return None

blocker = Blocker()
sys.meta_path.insert(0, blocker)
error = None
try:
{body}
except BaseException:
    error = traceback.format_exc()
print("\\n" + json.dumps({{
    "error": error,
    "attempts": blocker.attempts,
    "loaded": sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED),
}}))
"""


def run_blocked(body: str) -> dict:
    """Run ``body`` in a fresh interpreter with the blocked packages refused; its report."""
    script = HARNESS.format(blocked=BLOCKED, body=textwrap.indent(textwrap.dedent(body), "    "))
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    report["stdout"] = done.stdout
    return report


def assert_gl_free(report: dict) -> None:
    assert report["error"] is None, report["error"]
    assert report["attempts"] == [], f"asked for blocked packages: {report['attempts']}"
    assert report["loaded"] == [], f"loaded blocked packages: {report['loaded']}"


def test_the_blocker_blocks():
    """Guard for the guard: with the finder in place, moderngl and ibis cannot be imported."""
    report = run_blocked("""
        for name in ("moderngl", "ibis"):
            try:
                importlib.import_module(name)
            except ModuleNotFoundError:
                pass
            else:
                raise AssertionError(f"{name} imported despite the blocker")
    """)
    assert report["error"] is None, report["error"]
    assert report["attempts"] == ["moderngl", "ibis"]
    assert report["loaded"] == []


def test_a_gl_module_fails_loudly_under_the_blocker():
    """The GL layers do need moderngl: importing one is refused, and the attempt is recorded."""
    report = run_blocked("import vizkit.gpu.context")
    assert "ModuleNotFoundError" in report["error"]
    assert report["attempts"] == ["moderngl"]


SCENARIOS = {
    "import vizkit": """
        import vizkit
        names = dir(vizkit)
        assert "Terrain" in names and "data" in names, names
        assert vizkit.FrameState(1.0, 0.5, 2).t == 1.0
        assert vizkit.HANDLED is True
    """,
    "vizkit.data reads JSON-stat, CSV and GeoJSON": f"""
        import vizkit.data as data
        table = data.read({str(ASSETS / "uppsala_population.json")!r})
        assert len(table) > 0 and "value" in table.columns, table.columns
        grid = data.read_csv({str(ASSETS / "uppsala_grid_1km.csv")!r})
        assert list(grid.columns[:2]) == ["grid_id", "kommun"], grid.columns
        regions = data.read_geojson({str(ASSETS / "uppsala_municipalities.geojson")!r},
                                    "kommun")
        assert len(regions) == 8, len(regions)  # Uppsala county has eight municipalities
        assert data.get_provenance(table) is not None
    """,
    "vizkit.privacy protects without ibis": """
        import numpy as np
        import pandas as pd
        from vizkit.privacy import DEFAULT_POLICY, disclosure_report, protect_flows, protect_grid
        table = pd.DataFrame({"region": ["a", "b", "c"], "value": [3, 7, 12]})
        shown = DEFAULT_POLICY.protect(table, count="value", keys=["region"])
        assert shown["suppressed"].tolist() == [True, False, False]
        assert shown["value"].tolist()[1:] == [7.0, 12.0]
        values, hidden = protect_grid(np.array([[1.0, 20.0], [30.0, 40.0]]), factor=1)
        assert hidden.tolist() == [[True, False], [False, False]]
        flows = pd.DataFrame({"origin": ["a", "a"], "destination": ["b", "c"],
                              "volume": [2, 50]})
        assert protect_flows(flows)["suppressed"].any()
        assert disclosure_report(table, count="value", keys=["region"])["hidden"]["cells"] == 1
        try:  # aggregation needs ibis, and asks for it only now
            from vizkit.privacy import aggregate_od  # noqa: F401
        except ModuleNotFoundError as exc:
            assert exc.name == "ibis", exc
        else:
            raise AssertionError("aggregate_od imported without ibis")
        assert blocker.attempts == ["ibis"], blocker.attempts
        blocker.attempts.clear()
    """,
    "vizkit.quality": f"""
        from vizkit.quality import quality_report
        report = quality_report({str(ASSETS / "uppsala_population.json")!r})
        assert report is not None
    """,
    "clock, camera, timeline, easing, events, exhibit": f"""
        import numpy as np
        from vizkit.camera import Camera, Orbit
        from vizkit.clock import Clock
        from vizkit.easing import get_easing
        from vizkit.events import HANDLED, KeyEvent, PointerEvent
        from vizkit.exhibit import ExhibitConfig
        from vizkit.timeline import Timeline, tween

        assert Clock(fps=30).frame(3).t == 0.1
        camera = Camera()
        Orbit(target=(0.0, 0.0, 0.0), distance=10.0, azimuth=0.0, elevation=0.0).apply(camera)
        assert np.allclose(np.linalg.norm(camera.position), 10.0), camera.position
        assert camera.view_matrix().shape == (4, 4)
        assert get_easing("linear")(0.25) == 0.25
        assert tween(0.0, 10.0, 0.5, 0.0, 1.0, "linear") == 5.0
        assert Timeline("linear").key(0.0, x=0.0).key(2.0, x=4.0)(1.0)["x"] == 2.0
        assert PointerEvent(1.0, 2.0).source == "mouse" and KeyEvent("a").key == "a"
        assert HANDLED is True
        config = ExhibitConfig.load({str(ROOT / "exhibits" / "uppsala")!r})
        assert config.min_count == 5
    """,
    "vizkit --help": """
        from vizkit.cli import main
        try:
            main(["--help"])
        except SystemExit as exc:
            assert exc.code == 0, exc.code
        else:
            raise AssertionError("--help did not exit")
    """,
    "vizkit check": f"""
        from vizkit.cli import main
        assert main(["check", {str(ASSETS / "uppsala_population.json")!r}]) == 0
        assert main(["check", {str(ASSETS / "uppsala_population.json")!r}, "--min-count", "5",
                     "--regions", {str(ASSETS / "uppsala_municipalities.geojson")!r}]) == 0
        assert main(["check", {str(ASSETS / "uppsala_commuting_od.csv")!r},
                     "--min-count", "5"]) == 0
    """,
    "vizkit check on a missing file: one line, no GL": """
        import contextlib, io
        from vizkit.cli import main
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            code = main(["check", "no/such/file.json"])
        assert code == 2, code
        lines = err.getvalue().splitlines()
        assert len(lines) == 1 and lines[0].startswith("vizkit check: "), lines
        assert "no/such/file.json" in lines[0], lines
    """,
    "main prints a command's error as one line, with no GL loaded": """
        import contextlib, io
        from vizkit import cli

        def broken(args):
            raise FileNotFoundError("frames/ is not writable")

        cli.COMMANDS["new"] = broken
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            code = cli.main(["new", "x"])
        assert code == 1, code
        assert err.getvalue() == "vizkit new: frames/ is not writable\\n", err.getvalue()

        def crashing(args):
            raise RuntimeError("a bug, not bad input")

        cli.COMMANDS["new"] = crashing
        try:
            cli.main(["new", "x"])
        except RuntimeError:
            pass  # bugs keep their traceback
        else:
            raise AssertionError("a RuntimeError was swallowed")
    """,
}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_gl_free_modules_run_without_gl_or_ibis(scenario):
    assert_gl_free(run_blocked(SCENARIOS[scenario]))


def test_check_prints_the_same_report_without_gl(capsys):
    """``vizkit check --json`` under the blocker says what it says with everything installed."""
    from vizkit.cli import main

    path = str(ASSETS / "uppsala_population.json")
    assert main(["check", path, "--json"]) == 0
    here = json.loads(capsys.readouterr().out)
    report = run_blocked(f"""
        from vizkit.cli import main
        assert main(["check", {path!r}, "--json"]) == 0
    """)
    assert_gl_free(report)
    text = report["stdout"].strip().rsplit("\n", 1)[0]  # drop the harness's own line
    assert json.loads(text) == here


def test_render_without_the_gl_fails_naming_moderngl():
    """The GL commands do need moderngl: ``vizkit render`` without it fails with an error that
    names it (the CLI only stops loading it for commands that do not draw)."""
    report = run_blocked("""
        from vizkit.cli import main
        main(["render", "scenes/flagship.py", "--out", "/tmp/never.png"])
    """)
    assert report["error"] is not None
    assert "ModuleNotFoundError: moderngl" in report["error"], report["error"]


# -- the lazy export tables ------------------------------------------------------------------

def type_checking_imports(package: str) -> dict[str, str]:
    """Name → module of the ``if TYPE_CHECKING:`` imports in ``package``'s ``__init__``."""
    path = PACKAGE.parent.joinpath(*package.split("."), "__init__.py")
    names: dict[str, str] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for statement in node.body:
                assert isinstance(statement, ast.ImportFrom), ast.dump(statement)
                names |= {alias.asname or alias.name: statement.module
                          for alias in statement.names}
    return names


def lazy_table(package: str) -> dict[str, str]:
    """The name → module table ``package``'s ``__init__`` passes to ``lazy_exports``."""
    path = PACKAGE.parent.joinpath(*package.split("."), "__init__.py")
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "lazy_exports"):
            return ast.literal_eval(node.args[1])
    raise AssertionError(f"{path} does not call lazy_exports")


@pytest.mark.parametrize("package", LAZY_PACKAGES)
def test_lazy_table_all_and_type_checking_block_agree(package):
    module = importlib.import_module(package)
    table = lazy_table(package)
    seen_by_type_checkers = type_checking_imports(package)
    eager = {name for name in module.__all__ if name not in table}
    assert set(table) | eager == set(module.__all__)
    assert seen_by_type_checkers == table, "TYPE_CHECKING imports and the lazy table differ"
    for name in eager:  # names bound at import time (vizkit.data.read): not a module
        assert not isinstance(vars(module)[name], type(sys)), name
    for name, source in table.items():
        assert getattr(module, name) is getattr(importlib.import_module(source), name), name


@pytest.mark.parametrize("package", LAZY_PACKAGES)
def test_lazy_package_imports_nothing_at_import_time(package):
    """A lazy ``__init__`` imports only the lazy helper (and one eager name where needed)."""
    path = PACKAGE.parent.joinpath(*package.split("."), "__init__.py")
    runtime = {node.module for node in ast.parse(path.read_text(encoding="utf-8")).body
               if isinstance(node, ast.ImportFrom)}
    runtime |= {alias.name for node in ast.parse(path.read_text(encoding="utf-8")).body
                if isinstance(node, ast.Import) for alias in node.names}
    allowed = {"__future__", "typing", "vizkit._lazy"}
    allowed |= {"vizkit.data.read"} if package == "vizkit.data" else set()
    assert runtime <= allowed, runtime - allowed


def test_a_submodule_import_does_not_shadow_an_exported_function():
    """``vizkit.data.read`` is a module and a function; importing the module first must not turn
    ``from vizkit.data import read`` into the module."""
    report = run_blocked("""
        import vizkit.data.read
        from vizkit.data import read
        module = sys.modules["vizkit.data.read"]
        assert callable(read) and read is module.read, read
    """)
    assert_gl_free(report)


def test_star_import_and_unknown_names():
    namespace: dict = {}
    exec("from vizkit import *", namespace)
    import vizkit

    assert set(vizkit.__all__) <= set(namespace)
    assert namespace["Terrain"].__module__ == "vizkit.layers.terrain"
    assert not hasattr(vizkit, "NoSuchThing")
    with pytest.raises(AttributeError, match="module 'vizkit' has no attribute 'NoSuchThing'"):
        vizkit.NoSuchThing  # noqa: B018
    assert vizkit.data is importlib.import_module("vizkit.data")  # submodules resolve


def test_the_cli_names_its_one_line_errors_where_they_are_defined():
    """``main`` finds these classes in ``sys.modules`` by module name: a class that moved to
    another module would silently turn its one-line message back into a traceback."""
    from vizkit.cli import ONE_LINE_ERRORS

    for module_name, names in ONE_LINE_ERRORS.items():
        for name in names:
            error = getattr(importlib.import_module(module_name), name)
            assert issubclass(error, Exception), (module_name, name)
            assert error.__module__ == module_name, f"{name} now lives in {error.__module__}"
