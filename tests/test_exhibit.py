"""exhibit.toml: settings are read and checked; mistakes name the file, field and value."""

from __future__ import annotations

from pathlib import Path

import pytest

from vizkit.exhibit import ExhibitConfig, ExhibitError
from vizkit.fisheye import DomeSpec
from vizkit.script import ScriptError, load_target

ROOT = Path(__file__).resolve().parent.parent


def exhibit(tmp_path: Path, toml: str) -> Path:
    folder = tmp_path / "exhibit"
    folder.mkdir(exist_ok=True)
    (folder / "exhibit.toml").write_text(toml, encoding="utf-8")
    (folder / "scene.py").write_text((ROOT / "scenes" / "heightfield.py").read_text())
    return folder


def test_a_full_exhibit_toml_is_read(tmp_path):
    folder = exhibit(tmp_path, """
title = "Uppsala"
scene = "scene.py"
display = "dome"
size = [1920, 1080]
[dome]
size = 4096
aperture = 210
tilt = 20
gaze = 35
[input]
sources = ["mouse"]
[privacy]
min_count = 10
""")
    config = ExhibitConfig.load(folder)
    assert (config.display, config.size) == ("dome", (1920, 1080))
    assert config.dome == DomeSpec(4096, 210.0, 20.0, 35.0)
    assert config.input_sources == ("mouse",)
    assert config.min_count == 10
    scene = load_target(folder).create()
    assert scene.exhibit == config


def test_defaults_need_only_the_scene(tmp_path):
    config = ExhibitConfig.load(exhibit(tmp_path, 'scene = "scene.py"\n'))
    assert (config.display, config.size, config.min_count) == ("window", (1280, 720), 5)
    assert config.dome == DomeSpec(4096, 180.0, 0.0, None)


@pytest.mark.parametrize(("toml", "message"), [
    ('display = "window"\n', "field 'scene' is missing"),
    ('scene = "scene.py"\ndisplay = "hologram"\n', "field 'display' = 'hologram'"),
    ('scene = "scene.py"\nsize = [1920]\n', "field 'size' = [1920]"),
    ('scene = "scene.py"\n[dome]\naperture = 300\n',
     "field 'dome.aperture' = 300: expected a number from 180 to 230 (degrees)"),
    ('scene = "scene.py"\n[dome]\nsize = 512\n',
     "field 'dome.size' = 512: expected a whole number from 1024 to 8192 (pixels)"),
    ('scene = "scene.py"\n[dome]\nsize = 2048.0\n', "field 'dome.size' = 2048.0"),
    ('scene = "scene.py"\ndome = 4096\n', "field 'dome' = 4096: expected a table [dome]"),
    ('scene = "scene.py"\n[privacy]\nmin_count = 2.5\n', "field 'privacy.min_count' = 2.5"),
    ('scene = "scene.py"\n[input]\nsources = ["joystick"]\n', "field 'input.sources' = "
                                                              "'joystick'"),
    ('scene = "scene.py\n', "exhibit.toml: "),
])
def test_mistakes_name_file_field_and_value(tmp_path, toml, message):
    folder = exhibit(tmp_path, toml)
    with pytest.raises(ExhibitError, match=r"exhibit\.toml") as info:
        ExhibitConfig.load(folder)
    assert message in str(info.value)
    assert str(folder / "exhibit.toml") in str(info.value)
    with pytest.raises(ScriptError, match=r"exhibit\.toml"):
        load_target(folder)


@pytest.mark.parametrize(("toml", "message"), [
    ('scene = "scene.py"\ntitel = "x"\n', "unknown field 'titel'; did you mean 'title'?"),
    ('scene = "scene.py"\n[dome]\napperture = 200\n',
     "unknown field 'dome.apperture'; did you mean 'dome.aperture'?"),
    ('scene = "scene.py"\n[privacy]\nmin_cont = 10\n',
     "unknown field 'privacy.min_cont'; did you mean 'privacy.min_count'?"),
    ('scene = "scene.py"\n[inputs]\nsources = ["mouse"]\n',
     "unknown field 'inputs'; did you mean 'input'?"),
    ('scene = "scene.py"\n[input]\nsource = ["mouse"]\n',
     "unknown field 'input.source'; did you mean 'input.sources'?"),
    ('scene = "scene.py"\n[privacy]\nepsilon = 1\n',
     "unknown field 'privacy.epsilon'; valid fields here: min_count"),
])
def test_unknown_and_misspelt_keys_name_the_closest_valid_one(tmp_path, toml, message):
    folder = exhibit(tmp_path, toml)
    with pytest.raises(ExhibitError) as info:
        ExhibitConfig.load(folder)
    assert str(info.value) == f"{folder / 'exhibit.toml'}: {message}"


@pytest.mark.parametrize(("toml", "field"), [
    ('[input]\nidle_seconds = 90\n', "input.idle_seconds"),
])
def test_fields_that_do_nothing_yet_are_refused_not_ignored(tmp_path, toml, field):
    folder = exhibit(tmp_path, 'scene = "scene.py"\n' + toml)
    with pytest.raises(ExhibitError) as info:
        ExhibitConfig.load(folder)
    message = str(info.value)
    assert message.startswith(f"{folder / 'exhibit.toml'}: field '{field}' = ")
    assert "not supported yet" in message and "\n" not in message


def test_input_sources_mouse_touch_and_tuio_are_accepted_in_full_form(tmp_path):
    folder = exhibit(tmp_path, 'scene = "scene.py"\n[input]\n'
                               'sources = ["mouse", "touch", "tuio:3333", "tuio:0.0.0.0:3334"]\n')
    assert ExhibitConfig.load(folder).input_sources == (
        "mouse", "touch", "tuio:127.0.0.1:3333", "tuio:0.0.0.0:3334")


@pytest.mark.parametrize(("sources", "message"), [
    ('["tuio:99999"]', "field 'input.sources' = 'tuio:99999': expected \"tuio:PORT\""),
    ('["tuio:host:"]', "field 'input.sources' = 'tuio:host:'"),
    ('["tuio:0"]', "expected a TUIO port from 1 to 65535"),
    ('["tuio:3333", "tuio:127.0.0.1:3333"]', "'tuio:127.0.0.1:3333': expected each source once"),
    ('["pen"]', "field 'input.sources' = 'pen': expected one of"),
])
def test_bad_input_sources_name_the_value(tmp_path, sources, message):
    folder = exhibit(tmp_path, f'scene = "scene.py"\n[input]\nsources = {sources}\n')
    with pytest.raises(ExhibitError) as info:
        ExhibitConfig.load(folder)
    assert message in str(info.value) and "\n" not in str(info.value)


# The documented limits (README, docs/dome.md): value just inside and just outside each.
DOME_PROBES = {"size": [1023, 1024, 8192, 8193], "aperture": [179.5, 180, 230, 230.5],
               "tilt": [-0.5, 0, 30, 30.5], "gaze": [-1, 0, 90, 91]}
DOCUMENTED = {"size": (1024, 8192), "aperture": (180, 230), "tilt": (0, 30), "gaze": (0, 90)}


@pytest.mark.parametrize("name", list(DOME_PROBES))
def test_dome_ranges_are_the_same_in_exhibit_toml_and_on_the_command_line(tmp_path, name):
    from vizkit.cli import build_parser, dome_spec
    from vizkit.fisheye import DomeError

    option = {"size": "--dome"}.get(name, f"--{name}")
    low, high = DOCUMENTED[name]
    for value in DOME_PROBES[name]:
        documented = low <= value <= high
        folder = exhibit(tmp_path, f'scene = "scene.py"\n[dome]\n{name} = {value}\n')
        try:
            ExhibitConfig.load(folder)
            in_exhibit = True
        except ExhibitError:
            in_exhibit = False
        args = ["render", "x.py", "--out", "x.png", option, str(value)]
        if name != "size":
            args += ["--dome", "2048"]
        try:
            dome_spec(build_parser().parse_args(args))
            on_command_line = True
        except DomeError:
            on_command_line = False
        assert in_exhibit == on_command_line == documented, (name, value)


def test_a_loaded_target_pickles_with_its_exhibit_and_assets(tmp_path):
    import pickle

    folder = exhibit(tmp_path, 'scene = "scene.py"\n[privacy]\nmin_count = 12\n')
    (folder / "assets").mkdir()
    (folder / "assets" / "only_here.csv").write_text("a\n1\n")
    target = load_target(folder)
    copy = pickle.loads(pickle.dumps(target))
    assert copy.scene_cls is not target.scene_cls          # the script was executed again
    assert copy.scene_cls.__name__ == target.scene_cls.__name__
    assert copy.exhibit.min_count == 12 and copy.exhibit.folder == folder.resolve()
    scene = copy.create()
    assert scene.policy.k == 12
    assert scene.assets.path("only_here.csv") == (folder / "assets" / "only_here.csv").resolve()
    assert [r for r in copy.asset_roots] == [r.resolve() for r in target.assets().roots]


def test_the_exhibit_threshold_reaches_the_scene_policy(tmp_path):
    folder = exhibit(tmp_path, 'scene = "scene.py"\n[privacy]\nmin_count = 10\n')
    scene = load_target(folder).create()
    assert scene.policy.k == 10
    assert "below 10" in scene.policy.statement
    plain = load_target(ROOT / "scenes" / "heightfield.py").create()
    assert plain.policy.k == 5


def test_the_uppsala_exhibit_folder_is_valid():
    config = ExhibitConfig.load(ROOT / "exhibits" / "uppsala")
    assert config.scene.resolve() == (ROOT / "scenes" / "flagship.py").resolve()
    assert config.display == "fullscreen" and config.min_count == 5
    assert config.dome.size == 4096                       # [dome] size is read, not replaced
