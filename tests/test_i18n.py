"""Languages: Babel's formatting per locale, string tables that fail loudly, disclosure
statements in Swedish, exhibit.toml and --lang choosing the language, and a switch that changes
every string on screen."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import numpy as np
import pytest

import vizkit
from vizkit.cli import main
from vizkit.clock import FrameState
from vizkit.exhibit import ExhibitConfig, ExhibitError
from vizkit.layers.hud import arrange, hud_layers
from vizkit.privacy import DEFAULT_POLICY, Policy
from vizkit.privacy.policy import Applied
from vizkit.script import load_target
from vizkit.text.i18n import Language, Msg, Strings, StringsError, builtin_strings
from vizkit.text.statements import statement_messages

ROOT = Path(__file__).resolve().parent.parent
NBSP = "\u00a0"


# -- formatting ------------------------------------------------------------------------------------

def test_numbers_and_dates_follow_the_language():
    sv, en = Language("sv"), Language("en")
    assert sv.number(12345.6, 1) == f"12{NBSP}345,6"       # space groups, decimal comma
    assert en.number(12345.6, 1) == "12,345.6"
    assert sv.number(1500) == f"1{NBSP}500" and en.number(1500) == "1,500"
    assert sv.number(2020.5, grouping=False) == "2020,5"
    assert sv.number(-3.25, 2) in ("-3,25", "\u22123,25")
    assert sv.date(dt.date(2026, 11, 21)) == "21 nov. 2026"
    assert en.date("2026-11-21") == "Nov 21, 2026"
    assert sv.hours(7.5) == "07:30"
    assert en.hours(7.5).replace("\u202f", " ") == "7:30 AM"
    assert sv.quantity(12345.0, "personer") == f"12{NBSP}345 personer"
    assert en.quantity(4.25, "%") == "4.25 %" and en.quantity(-12.0, "", signed=True) == "-12"
    assert en.quantity(12.0, "", signed=True) == "+12"
    assert sv(Msg("vizkit.privacy.below", k=1000)) == f"Värden under 1{NBSP}000 visas inte."


def test_language_names_are_their_own():
    assert Language("sv").name == "svenska" and Language("en").name == "English"


# -- string tables ---------------------------------------------------------------------------------

def test_builtin_strings_have_every_key_in_both_languages():
    tables = builtin_strings().tables
    assert set(tables) == {"en", "sv"}
    assert tables["en"].keys() == tables["sv"].keys()
    for key in tables["en"]:   # placeholders match, so no language loses a value
        import string

        names = [{n for _, n, _, _ in string.Formatter().parse(tables[c][key]) if n}
                 for c in ("en", "sv")]
        assert names[0] == names[1], key


def test_a_string_table_missing_a_key_names_file_language_and_key(tmp_path):
    path = tmp_path / "scene.strings.toml"
    path.write_text('[en]\ntitle = "Hello"\nbye = "Bye"\n[sv]\ntitle = "Hej"\n', "utf-8")
    with pytest.raises(StringsError, match=r"scene\.strings\.toml: \[sv\] lacks key\(s\) bye"):
        Strings.load(path)
    path.write_text('[xx-YY]\ntitle = "?"\n', "utf-8")
    with pytest.raises(StringsError, match=r"\[xx-YY\]: 'xx-YY' is not a language code"):
        Strings.load(path)
    path.write_text('[en]\ntitle = 3\n', "utf-8")
    with pytest.raises(StringsError, match=r"\[en\] title = 3: expected text"):
        Strings.load(path)
    path.write_text('[en\n', "utf-8")
    with pytest.raises(StringsError, match=r"scene\.strings\.toml: "):
        Strings.load(path)


def test_a_message_with_an_unfilled_placeholder_is_named():
    with pytest.raises(StringsError, match=r"vizkit\.privacy\.below = .*placeholder 'k'"):
        Language("en")(Msg("vizkit.privacy.below"))


@pytest.mark.parametrize("policy, applied", list(itertools.product(
    [DEFAULT_POLICY, DEFAULT_POLICY.with_(secondary=True, rounding=5),
     DEFAULT_POLICY.with_(rounding=3, random_rounding=True), Policy.off("test data")],
    [Applied(), Applied(base=True, secondary="the total of their base counts over all "
                                             "regions at each time step"),
     Applied(coarsened=4, secondary="the total over all squares"),
     Applied(pooled="other", items="Flows", rounding=True),
     Applied(items="Flows", noise=True, rounding=True)])))
def test_every_disclosure_statement_vizkit_makes_reads_in_swedish(policy, applied):
    english = policy.describe(applied)
    messages = statement_messages(english)
    assert all(isinstance(m, Msg) for m in messages), messages
    assert " ".join(Language("en")(m) for m in messages) == english   # nothing lost
    swedish = " ".join(Language("sv")(m) for m in messages)
    assert swedish != english and "shown" not in swedish and "values" not in swedish


@pytest.mark.parametrize("policy, options", list(itertools.product(
    [DEFAULT_POLICY, DEFAULT_POLICY.with_(rounding=5), DEFAULT_POLICY.with_(flows="remove"),
     DEFAULT_POLICY.with_(rounding=3, random_rounding=True)],
    [{}, {"per": ["mode"]}, {"per": ["hour", "mode"]}, {"measure": True},
     {"secondary": True}])))
def test_every_flow_statement_reads_in_swedish(policy, options):
    from vizkit.privacy.flows import flow_statement

    english = flow_statement(policy, **options)
    messages = statement_messages(english)
    assert all(isinstance(m, Msg) for m in messages), messages
    assert " ".join(Language("en")(m) for m in messages) == english
    swedish = " ".join(Language("sv")(m) for m in messages)
    assert "Flows" not in swedish and "origin" not in swedish and "hour" not in swedish


def test_an_unknown_statement_is_shown_as_it_is():
    assert statement_messages("Values below 5 are not shown. Something new.") == [
        Msg("vizkit.privacy.below", k=5), "Something new."]


# -- choosing the language -------------------------------------------------------------------------

def exhibit(tmp_path, body: str, strings: str | None = None) -> Path:
    folder = tmp_path / "exhibit"
    folder.mkdir()
    scene = folder / "scene.py"
    scene.write_text("import vizkit\n\nclass S(vizkit.Scene):\n"
                     "    def setup(self, assets):\n"
                     "        self.add(vizkit.Caption(self.tr('title')))\n", "utf-8")
    (folder / "scene.strings.toml").write_text(strings or (
        '[sv]\ntitle = "Hej"\n[en]\ntitle = "Hello"\n'), "utf-8")
    (folder / "exhibit.toml").write_text('scene = "scene.py"\n' + body, "utf-8")
    return folder


def test_exhibit_languages_and_default_drive_the_scene(tmp_path):
    folder = exhibit(tmp_path, 'languages = ["sv", "en"]\nlanguage = "en"\n')
    config = ExhibitConfig.load(folder)
    assert config.languages == ("sv", "en") and config.language == "en"
    scene = load_target(folder).create()
    assert scene.language == "en" and scene.words.languages == ("sv", "en")
    assert scene.next_language() == "sv"
    scene.ensure_setup()
    scene.advance(FrameState(0.0, 1 / 30, 0))
    arrange(scene.layers, (640, 360))
    assert scene.layers[0].texts() == ["Hej"]


@pytest.mark.parametrize("body, message", [
    ('languages = ["sv", "xx-1"]\n', "field 'languages' = 'xx-1': expected a language code"),
    ('languages = []\n', "field 'languages' = []: expected a list of different language"),
    ('languages = ["sv", "sv"]\n', "field 'languages' = ['sv', 'sv']"),
    ('languages = ["sv"]\nlanguage = "en"\n', "field 'language' = 'en': expected one of"),
])
def test_exhibit_language_mistakes_name_file_field_and_value(tmp_path, body, message):
    folder = exhibit(tmp_path, body)
    with pytest.raises(ExhibitError) as info:
        ExhibitConfig.load(folder)
    assert str(info.value).startswith(f"{folder / 'exhibit.toml'}: {message}")


def test_an_exhibit_language_the_scene_cannot_speak_is_refused(tmp_path):
    folder = exhibit(tmp_path, 'languages = ["sv", "de"]\n')
    scene = load_target(folder).create()
    with pytest.raises(StringsError, match=r"scene\.strings\.toml: no \[de\] table, but the "
                                           r"exhibit speaks de"):
        scene.ensure_setup()


def test_lang_on_the_command_line(tmp_path, capsys):
    folder = exhibit(tmp_path, 'languages = ["sv", "en"]\n')
    assert main(["render", str(folder), "--out", str(tmp_path / "x.png"), "--lang", "de",
                 "--size", "64x36", "-q"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "vizkit render: --lang de: language 'de': this scene speaks sv, en"
    assert main(["render", str(folder), "--out", str(tmp_path / "en.png"), "--lang", "en",
                 "--size", "320x180", "-q"]) == 0
    assert main(["render", str(folder), "--out", str(tmp_path / "sv.png"),
                 "--size", "320x180", "-q"]) == 0
    from vizkit.image import Image

    en, sv = Image.load(tmp_path / "en.png"), Image.load(tmp_path / "sv.png")
    assert not np.array_equal(en.pixels, sv.pixels)   # "Hello" is not "Hej"


def test_the_l_key_switches_and_tr_refuses_unknown_keys():
    scene = load_target(ROOT / "scenes" / "flagship.py").create()
    first = scene.language
    assert scene.dispatch("on_key", vizkit.KeyEvent("l"))
    assert scene.language != first
    with pytest.raises(StringsError, match=r"flagship\.strings\.toml: no key 'nope'"):
        scene.tr("nope")


# -- a switch changes every string on screen ------------------------------------------------------

NEUTRAL = {"svenska", "English", "2019", "2021", "2024", "0", "500"}


def shown_strings(scene, size=(1280, 720)) -> dict[str, list[str]]:
    placements = arrange(scene.layers, size)
    return {layer.name: layer.texts() for layer in hud_layers(scene.layers)
            if layer in placements}


def test_switching_the_language_changes_every_visible_string(gpu):
    from vizkit.layers.base import PickRecord

    scene = load_target(ROOT / "scenes" / "flagship.py").create()
    scene.set_language("en")
    scene.advance(FrameState(5.0, 1 / 30, 150))
    card = next(layer for layer in scene.layers if isinstance(layer, vizkit.InfoCard))
    terrain = scene.terrain
    card.open(PickRecord(terrain.name, (60, 40), 1234.0, 2019))
    english = shown_strings(scene)
    scene.set_language("sv")
    swedish = shown_strings(scene)
    assert english.keys() == swedish.keys() and len(english) >= 8
    assert "InfoCard" in english and "1,234 persons per km²" in english["InfoCard"]
    assert f"1{NBSP}234 personer per km²" in swedish["InfoCard"]
    for name, lines in english.items():
        if name == "LanguageButton":   # each language in its own name, in both
            assert lines == swedish[name] and set(lines) == {"svenska", "English"}
            continue
        assert lines != swedish[name], name
        for line in swedish[name]:     # nothing English is left, but names and numbers
            assert line not in english[name] or line in NEUTRAL, (name, line)
    # and the pixels: the frame in Swedish differs where the HUD is
    from vizkit.targets.offscreen import OffscreenRenderer

    renderer = OffscreenRenderer((640, 360), samples=0, gpu=gpu)
    frame = FrameState(5.0, 1 / 30, 150)
    sv_image = renderer.render(scene, frame)
    scene.set_language("en")
    en_image = renderer.render(scene, frame)
    renderer.release()
    scene.release()
    differ = np.abs(sv_image.rgb.astype(int) - en_image.rgb).max(axis=2) > 40
    for layer in hud_layers(scene.layers):
        if layer.placement is None or layer.name == "LanguageButton":
            continue
        x0, y0, x1, y1 = (int(v) for v in layer.placement.rect)
        assert differ[y0:y1, x0:x1].any(), layer.name
