"""exhibit.toml: settings are read and checked; mistakes name the file, field and value."""

from __future__ import annotations

from pathlib import Path

import pytest

from vizkit.exhibit import ExhibitConfig, ExhibitError
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
languages = ["sv", "en"]
[dome]
size = 4096
aperture = 210
tilt = 20
[input]
sources = ["mouse", "tuio:0.0.0.0:3333"]
idle_seconds = 90
[privacy]
min_count = 10
""")
    config = ExhibitConfig.load(folder)
    assert (config.display, config.size, config.languages) == ("dome", (1920, 1080),
                                                               ("sv", "en"))
    assert (config.dome.size, config.dome.aperture, config.dome.tilt) == (4096, 210, 20)
    assert config.input_sources == ("mouse", "tuio:0.0.0.0:3333")
    assert (config.idle_seconds, config.min_count) == (90, 10)
    scene = load_target(folder).create()
    assert scene.exhibit == config


def test_defaults_need_only_the_scene(tmp_path):
    config = ExhibitConfig.load(exhibit(tmp_path, 'scene = "scene.py"\n'))
    assert (config.display, config.size, config.min_count) == ("window", (1280, 720), 5)


@pytest.mark.parametrize(("toml", "message"), [
    ('display = "window"\n', "field 'scene' is missing"),
    ('scene = "scene.py"\ndisplay = "hologram"\n', "field 'display' = 'hologram'"),
    ('scene = "scene.py"\nsize = [1920]\n', "field 'size' = [1920]"),
    ('scene = "scene.py"\n[dome]\naperture = 300\n', "field 'dome.aperture' = 300"),
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
    with pytest.raises(ScriptError, match=r"exhibit\.toml"):
        load_target(folder)


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
