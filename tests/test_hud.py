"""HUD widgets: legends whose ticks are the layer's scale, credits present for every sourced
dataset, the scrubber and info card the input side drives, narration on the timeline, table
facings, and text that keeps WCAG AA contrast over whatever is behind it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import vizkit
from vizkit.clock import FrameState
from vizkit.layers.base import PickRecord
from vizkit.layers.hud import HudStyle, arrange
from vizkit.layers.text import uncredited
from vizkit.script import load_target
from vizkit.targets.offscreen import OffscreenRenderer
from vizkit.text.contrast import AA_BODY, measure, ratio
from vizkit.text.i18n import Language
from vizkit.view import Viewing

ROOT = Path(__file__).resolve().parent.parent
FRAME = FrameState(0.0, 1 / 30, 0)
SIZE = (960, 540)


class Source:
    source, licence, updated, modelled = "SCB", "CC0-1.0", "2025-02-21", False


def counts(rows=30, cols=40):
    """Persons per square: small counts on the left (hidden by the default policy)."""
    y, x = np.mgrid[0:rows, 0:cols]
    values = np.round(900 * np.exp(-((x - 28) ** 2 + (y - 15) ** 2) / 60.0))
    values[:, :8] = 3
    return values


class Widgets(vizkit.Scene):
    background = (0.05, 0.06, 0.08)

    def setup(self, assets):
        self.terrain = self.add(vizkit.Terrain(counts(), extent=(0, 0, 400, 300), scale="sqrt",
                                               units="persons", label="Population",
                                               provenance=Source()))
        self.legend = self.add(vizkit.Legend(self.terrain))
        self.credits = self.add(vizkit.Attribution([self.terrain]))
        self.frame_all(azimuth=0, elevation=70, margin=0.9)


def render(gpu, scene, size=SIZE, frame=FRAME):
    renderer = OffscreenRenderer(size, samples=0, gpu=gpu)
    try:
        return renderer.render(scene, frame)
    finally:
        renderer.release()


# -- legend ----------

def test_legend_ticks_are_the_layers_scale_in_value_and_in_colour(gpu):
    scene = Widgets()
    image = render(gpu, scene)
    scale = scene.terrain.legend()
    legend = scene.legend
    assert [t.value for t in legend.ticks] == list(scale.ticks)
    assert [t.label for t in legend.ticks] == [Language("en").number(t, 0) for t in scale.ticks]
    placement = legend.placement
    x0, y0, x1, y1 = legend.bar
    px, py = placement.x, placement.y
    row = int(py + (y0 + y1) / 2)
    for tick in legend.ticks:   # the bar under each tick has the colour the layer gives it
        x = int(px + tick.x)
        x = min(max(x, int(px + x0) + 1), int(px + x1) - 2)
        drawn = image.rgb[row, x].astype(int)
        expected = scale.color(tick.value)[:3].astype(int)
        assert np.abs(drawn - expected).max() <= 12, (tick, drawn, expected)
    # a square-root scale puts its ticks where the colours are: 250 is not a quarter of 1000
    assert scale.kind == "sqrt"
    share = [(t.x - x0) / (x1 - x0) for t in legend.ticks]
    assert np.allclose(share, [np.sqrt(t / scale.domain[1]) for t in scale.ticks], atol=0.01)
    scene.release()


def test_legend_shows_hidden_and_no_data_swatches_in_words():
    values = counts()
    values[0:3, 20:24] = np.nan
    terrain = vizkit.Terrain(values, extent=(0, 0, 40, 30), no_data="grey")
    legend = vizkit.Legend(terrain)
    arrange([legend], SIZE)
    assert "Not shown: below 5" in legend.texts() and "No data" in legend.texts()
    legend.set_language(Language("sv"))
    arrange([legend], SIZE)
    assert "Visas inte: under 5" in legend.texts() and "Uppgift saknas" in legend.texts()


def test_legend_follows_the_change_view():
    terrain = vizkit.Terrain(np.stack([counts(), np.round(counts() * 1.1)]),
                             extent=(0, 0, 40, 30), times=[2019, 2024], label="Population")
    legend = vizkit.Legend(terrain)
    terrain.show_change(2019, 2024)
    arrange([legend], SIZE)
    assert legend.texts()[0] == "Change 2019→2024"
    assert [t.value for t in legend.ticks] == list(terrain.legend().ticks)
    assert min(t.value for t in legend.ticks) < 0 < max(t.value for t in legend.ticks)


def test_a_layer_without_a_legend_is_refused():
    with pytest.raises(TypeError, match="Legend: Caption has no legend"):
        vizkit.Legend(vizkit.Caption("x"))


# -- attribution ----------

def test_attribution_says_each_dataset_and_rule_once_without_repeating_modelled():
    from vizkit.data.provenance import Provenance

    modelled = Provenance(source="vizkit sample data (modelled)", licence="CC0-1.0",
                          updated="2026-11-21", modelled=True)
    a = vizkit.Terrain(counts(), extent=(0, 0, 4, 3), provenance=modelled)
    b = vizkit.Terrain(counts(), extent=(0, 0, 4, 3), provenance=modelled)
    credit = vizkit.Attribution([a, b])
    assert credit.text == ("Source: vizkit sample data (modelled) · CC0-1.0 · Nov 21, 2026\n"
                           "Values below 5 are not shown.")
    credit.set_language(Language("sv"))
    assert credit.text == ("Källa: vizkit sample data (modelled) · CC0-1.0 · 21 nov. 2026\n"
                           "Värden under 5 visas inte.")
    plain = Provenance(source="SCB", licence="CC0-1.0", modelled=True)
    c = vizkit.Terrain(counts(), extent=(0, 0, 4, 3), provenance=plain)
    assert vizkit.Attribution([c]).text.startswith("Source: SCB · modelled data · CC0-1.0")
    assert vizkit.Attribution([]).text == "Data: source not stated"


@pytest.mark.parametrize("script", sorted((ROOT / "scenes").glob("*.py")),
                         ids=lambda p: p.stem)
def test_every_bundled_scene_credits_every_dataset_it_draws(script):
    scene = load_target(script).create()
    scene.ensure_setup()
    assert uncredited(scene.layers) == []
    credits = [layer for layer in scene.layers if isinstance(layer, vizkit.Attribution)]
    sourced = [layer for layer in scene.layers
               if getattr(layer, "provenance", None) and not layer.is_hud]
    if sourced:  # removing the credits is caught
        for credit in credits:
            scene.layers.remove(credit)
        assert {id(x) for x in uncredited(scene.layers)} == {id(x) for x in sourced}


def test_credits_are_on_screen_in_every_frame_that_draws_sourced_data(gpu):
    scene = Widgets()
    image = render(gpu, scene)
    x0, y0, x1, y1 = (int(v) for v in scene.credits.placement.rect)
    assert (image.rgb[y0:y1, x0:x1].max(axis=2) > 200).sum() > 50  # letters in the panel
    assert "Source: SCB · CC0-1.0 · Feb 21, 2025" in scene.credits.texts()
    scene.release()


# -- contrast ----------

class OverWhite(vizkit.Scene):
    """A caption over a pure white scene: the worst background for light text."""

    background = (1.0, 1.0, 1.0)

    def __init__(self, style):
        super().__init__()
        self.style = style

    def setup(self, assets):
        self.caption = self.add(vizkit.Caption("Kontrast över vitt", anchor="center",
                                               style=self.style))


def backdrop_contrast(gpu, style) -> float:
    """WCAG ratio of the text colour against the rendered backdrop pixels under the caption
    (the letters themselves masked out, with a margin for their anti-aliased edges)."""
    scene = OverWhite(style)
    image = render(gpu, scene, (640, 360))
    x0, y0, x1, y1 = (int(v) for v in scene.caption.placement.rect)
    patch = image.rgb[y0:y1, x0:x1].astype(int)
    text = np.round(np.asarray(style.text[:3]) * 255)
    letters = np.abs(patch - image.rgb[y0 + 1, x0 + 1]).max(axis=2) > 3
    grown = letters.copy()
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            grown |= np.roll(np.roll(letters, dy, 0), dx, 1)
    background = patch[~grown]
    assert len(background) > 100
    scene.release()
    return float(ratio(background / 255.0, text[None] / 255.0).min())


def test_text_keeps_wcag_aa_contrast_over_white(gpu):
    style = HudStyle(backdrop=(0.0, 0.0, 0.0, 0.15))  # a faint tint: the bound must do it
    assert backdrop_contrast(gpu, style) >= AA_BODY
    # the check can fail: with the bound switched off the faint tint is not enough
    assert backdrop_contrast(gpu, HudStyle(backdrop=(0.0, 0.0, 0.0, 0.15), contrast=0)) < 2


def test_measure_reads_the_pixels_under_a_box():
    image = np.zeros((10, 10, 3), np.uint8)
    image[:, 5:] = 255
    assert measure(image, (0, 0, 5, 10), (1, 1, 1)) == pytest.approx(21.0)
    assert measure(image, (0, 0, 10, 10), (1, 1, 1)) == pytest.approx(1.0)


# -- time scrubber ----------

def test_scrubber_value_at_maps_the_track_both_ways(gpu):
    class Scrub(vizkit.Scene):
        def setup(self, assets):
            self.scrub = self.add(vizkit.TimeScrubber(2019, 2024, value=2021,
                                                      ticks=range(2019, 2025)))

    scene = Scrub()
    render(gpu, scene)
    scrub = scene.scrub
    px, py = scrub.placement.x, scrub.placement.y
    x0, y0, x1, y1 = scrub.track
    cy = py + (y0 + y1) / 2
    assert scrub.value_at(px + x0, cy) == pytest.approx(2019)
    assert scrub.value_at(px + x1, cy) == pytest.approx(2024)
    assert scrub.value_at(px + (x0 + x1) / 2, cy) == pytest.approx(2021.5)
    assert scrub.value_at(px + x0, py + y1 + 200) is None            # off the track
    assert scene.hud_at(px + (x0 + x1) / 2, cy, SIZE).region == "track"
    assert scene.hud_at(5, SIZE[1] - 5, SIZE) is None                 # over the scene
    scrub.dragging = True                                             # a drag clamps
    assert scrub.value_at(px + x1 + 500, cy + 300) == pytest.approx(2024)
    scene.release()


def test_scrubber_rejects_an_empty_range():
    with pytest.raises(ValueError, match="end must be after start"):
        vizkit.TimeScrubber(2024, 2019)


# -- info card ----------

def test_info_card_opens_on_a_pick_formats_per_language_and_times_out(gpu):
    scene = Widgets()
    scene.ensure_setup()
    card = scene.add(vizkit.InfoCard([scene.terrain], timeout_s=5.0))
    row, col = 15, 28
    record = PickRecord(scene.terrain.name, (row, col), float(scene.terrain.values[0, row,
                                                                                  col]), 2019)
    scene.advance(FrameState(2.0, 1 / 30, 60))
    scene.dispatch("on_pick", record)
    assert card.is_open
    arrange(scene.layers, SIZE)
    assert "900 persons" in card.texts()
    x = 0 + (col + 0.5) * 10
    assert f"Square at {x:,.0f} E, {(row + 0.5) * 10:,.0f} N" in card.texts()
    card.set_language(Language("sv"))
    card.record = PickRecord(scene.terrain.name, (row, col), 12345.0, 2019)
    arrange(scene.layers, SIZE)
    assert "12\u00a0345 persons" in card.texts()
    scene.advance(FrameState(6.9, 1 / 30, 207))
    assert card.is_open
    scene.advance(FrameState(7.0, 1 / 30, 210))                      # 5 s after it opened
    assert not card.is_open
    card.open(record)
    scene.dispatch("on_pick", None)                                   # a tap elsewhere
    assert not card.is_open
    scene.release()


def test_info_card_says_when_disclosure_control_hid_the_value():
    terrain = vizkit.Terrain(counts(), extent=(0, 0, 40, 30))
    card = vizkit.InfoCard([terrain])
    card.open(PickRecord(terrain.name, (5, 2), float("nan"), 0))
    assert terrain.hidden[0, 5, 2]
    arrange([card], SIZE)
    assert "Values below 5 are not shown." in card.texts()
    card.open(PickRecord(terrain.name, (5, 30), float("nan"), 0))   # NaN but not hidden
    arrange([card], SIZE)
    assert "No data here" in card.texts()


def test_info_card_names_the_years_a_pick_between_steps_lies_in():
    """Picked while morphing from 2019 to 2020 the card says 2019–2020, not 2019.046."""
    values = np.stack([counts(), counts() + 10.0])
    terrain = vizkit.Terrain(values, extent=(0, 0, 40, 30), times=[2019, 2020],
                             label="Population")
    card = vizkit.InfoCard([terrain])
    card.open(PickRecord(terrain.name, (5, 20), 50.0, 2019.0457))
    arrange([card], SIZE)
    assert any("2019–2020" in text for text in card.texts())
    assert not any("2019.0" in text for text in card.texts())
    card.open(PickRecord(terrain.name, (5, 20), 50.0, 2020))
    arrange([card], SIZE)
    assert any("2020" in text and "–" not in text for text in card.texts())


# -- narration and messages ----------

def test_narration_follows_scene_time_and_fades():
    track = vizkit.Narration(fade_s=1.0).cue(0, 4, "ett").cue(5, 9, "två")
    assert track.current(0.5) == ("ett", pytest.approx(0.5))
    assert track.current(2.0) == ("ett", 1.0)
    assert track.current(4.5) is None
    assert track.current(8.5) == ("två", pytest.approx(0.5))
    with pytest.raises(ValueError, match="overlaps"):
        track.cue(3, 6, "tre")
    looping = vizkit.Narration(loop=10).cue(1, 3, "igen")
    assert looping.current(12.0)[0] == "igen"


def test_operator_message_shows_until_its_time_is_up():
    message = vizkit.OperatorMessage()
    message.set_time(10.0)
    message.show("Data file unreadable; showing the last good state", seconds=3)
    arrange([message], SIZE)
    assert message.texts() == ["Data file unreadable; showing the last good state"]
    message.set_time(13.0)
    assert arrange([message], SIZE) == {}


# -- placement ----------

def test_panels_sharing_an_anchor_stack_and_never_overlap():
    layers = [vizkit.Caption(f"rad {i}", anchor=a) for i, a in enumerate(
        ["bottom-right", "bottom-right", "bottom", "bottom-left", "bottom"])]
    layers.append(vizkit.Caption("en lång rad " * 6, anchor="bottom"))
    placed = arrange(layers, SIZE)
    rects = [p.rect for p in placed.values()]
    assert len(rects) == len(layers)
    for i, a in enumerate(rects):
        for b in rects[i + 1:]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)


@pytest.mark.parametrize("facing", [90, 180, 270])
def test_a_table_side_reads_its_panel_the_right_way_up(gpu, facing):
    """The same caption turned to face a side: the picture is the bottom-facing one rotated
    by the facing (counter-clockwise), and taps map back through the same turn."""

    class Table(vizkit.Scene):
        background = (0.0, 0.0, 0.0)

        def __init__(self, facing):
            super().__init__()
            self.facing = facing

        def setup(self, assets):
            self.caption = self.add(vizkit.Caption("Läs här", anchor="bottom-left",
                                                   facing=self.facing, color=(255, 255, 255, 255),
                                                   background=(40, 40, 40, 255)))

    square = (480, 480)  # a square view: every facing has the same frame
    upright = render(gpu, Table(0), square).rgb
    turned_scene = Table(facing)
    turned = render(gpu, turned_scene, square).rgb
    assert np.array_equal(np.rot90(upright, k=facing // 90), turned)
    # a tap on the panel's first letter, seen from that side, hits the panel
    placement = turned_scene.caption.placement
    fx, fy = placement.x + 10, placement.y + placement.panel.height / 2
    # map the reader-frame point into the view by the same turn the picture took
    w, h = square
    gx, gy = fx, h - fy
    for _ in range(facing // 90):
        gx, gy = w - gy, gx
    assert turned_scene.caption.hit(gx, h - gy) == "panel"


def test_language_button_names_each_language_in_itself_and_maps_taps(gpu):
    class Button(vizkit.Scene):
        def setup(self, assets):
            self.button = self.add(vizkit.LanguageButton(("sv", "en")))

    scene = Button()
    render(gpu, scene)
    button = scene.button
    assert button.texts() == ["svenska", "English"]
    x0, y0, x1, y1 = button.placement.panel.hits["en"]
    px, py = button.placement.x, button.placement.y
    assert button.language_at(px + (x0 + x1) / 2, py + (y0 + y1) / 2) == "en"
    x0, y0, x1, y1 = button.placement.panel.hits["sv"]
    assert button.language_at(px + (x0 + x1) / 2, py + (y0 + y1) / 2) == "sv"
    assert button.language_at(1, SIZE[1] - 1) is None
    scene.release()


def test_hud_reference_picture(gpu, reference):
    """Legend with its hatch swatch, credits, scrubber, info card and language button over a
    terrain, as a picture (compared with tolerance); the checks above give it meaning."""
    scene = Widgets()
    scene.ensure_setup()
    scene.add(vizkit.TimeScrubber(2019, 2024, value=2020.5, ticks=range(2019, 2025),
                                  tick_label=lambda v, lang: str(int(v))))
    scene.add(vizkit.LanguageButton(("sv", "en")))
    card = scene.add(vizkit.InfoCard([scene.terrain]))
    card.open(PickRecord(scene.terrain.name, (15, 28), 900.0, 2019))
    scene.set_language("sv")
    image = render(gpu, scene)
    reference(image, "hud_widgets")
    assert Viewing.flat(SIZE[1]).deg_per_px == pytest.approx(30 / 540)
    scene.release()
