"""Captions and attribution: HUD text where it is asked for, scaled, and off with --no-hud."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import ImageFont

import vizkit
from vizkit.clock import FrameState
from vizkit.layers.text import attribution_lines, rasterise

FRAME = FrameState(0.0, 1 / 30, 0)
VIEW = (320, 180)
TEXT = "Befolkning i Uppsala län"


def expected_panel_px(text: str, anchor: str, view: tuple[int, int], size_px: int = 20,
                      margin_px: int = 12, padding_px: int = 8) -> tuple[float, float, float,
                                                                       float]:
    """Where the panel must land, from the font's own metrics (not from the layer): glyphs
    ``size_px`` high plus padding, 1.3 line height, all scaled by view height / 720, then
    ``margin_px`` from the anchored corner. (x0, y0, x1, y1) from the bottom-left."""
    font = ImageFont.truetype("DejaVuSans.ttf", size_px)
    scale = view[1] / 720
    lines = text.splitlines()
    width = (max(math.ceil(font.getlength(line)) for line in lines) + 2 * padding_px) * scale
    height = (round(size_px * 1.3) * len(lines) + 2 * padding_px) * scale
    margin = margin_px * scale
    x0 = margin if anchor.endswith("left") else view[0] - margin - width
    y0 = view[1] - margin - height if anchor.startswith("top") else margin
    return x0, y0, x0 + width, y0 + height


class Source:
    def attribution(self) -> str:
        return "SCB · CC0-1.0 · 2025-02-21"


class Captioned(vizkit.Scene):
    def __init__(self, anchor: str, later: str | None = None):
        super().__init__()
        self.anchor = anchor
        self.later = later  # the text update() assigns from t = 1 s on

    def setup(self, assets):
        self.caption = self.add(vizkit.Caption(TEXT, anchor=self.anchor,
                                               size_px=20, background=(255, 255, 255, 255)))

    def update(self, frame):
        if self.later is not None:
            self.caption.text = self.later if frame.t >= 1.0 else TEXT


def panel_mask(image, background) -> np.ndarray:
    bg = np.round(np.asarray(background) * 255)
    return np.abs(image.rgb.astype(int) - bg).max(axis=2) > 3


def drawn_panel_px(image, background) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of the drawn panel's pixels, from the bottom-left."""
    rows, cols = np.nonzero(panel_mask(image, background))
    height = image.rgb.shape[0]
    return cols.min(), height - rows.max() - 1, cols.max() + 1, height - rows.min()


@pytest.mark.parametrize("anchor", ["top-left", "bottom-right"])
def test_caption_is_drawn_in_its_corner_at_its_size(offscreen, anchor):
    scene = Captioned(anchor)
    image = offscreen.render(scene, FRAME)
    drawn = drawn_panel_px(image, scene.background)
    expected = expected_panel_px(TEXT, anchor, VIEW)
    assert np.allclose(drawn, expected, atol=1.0), (drawn, expected)
    assert (drawn[0] < 160) == (anchor == "top-left")
    scene.release()


def test_caption_scales_with_the_view_height(gpu):
    scene = Captioned("top-left")
    scene.ensure_setup()
    for view in ((640, 360), (1280, 720)):
        assert np.allclose(scene.caption.rect_px(view), expected_panel_px(TEXT, "top-left",
                                                                          view))
    scene.release()


def test_assigning_text_in_update_changes_the_picture(offscreen):
    later = "Folkmängd 2024\nUppsala län"
    scene = Captioned("top-left", later=later)
    before = offscreen.render(scene, FRAME)
    after = offscreen.render(scene, FrameState(1.0, 1 / 30, 30))
    # the panel now has the new text's size (two lines, its own width) ...
    assert np.allclose(drawn_panel_px(after, scene.background),
                       expected_panel_px(later, "top-left", VIEW), atol=1.0)
    assert not np.array_equal(before.pixels, after.pixels)
    # ... and going back draws exactly the first picture again
    again = offscreen.render(scene, FrameState(0.5, 1 / 30, 15))
    assert np.array_equal(before.pixels, again.pixels)
    assert scene.caption.text == TEXT
    scene.release()


def test_text_must_be_a_string():
    caption = vizkit.Caption("x")
    with pytest.raises(TypeError, match=r"Caption: text must be a str, got int 42"):
        caption.text = 42
    assert caption.text == "x"


def test_hud_can_be_left_out_of_frames(offscreen):
    scene = Captioned("top-left")
    scene.hud_visible = False
    image = offscreen.render(scene, FRAME)
    assert not panel_mask(image, scene.background).any()
    scene.release()


def test_text_is_dark_on_light_and_swedish_letters_have_glyphs():
    lines = ["åäö ÅÄÖ"]
    image = rasterise(lines, size_px=24, color=(0, 0, 0, 255), background=(255, 255, 255, 255))
    ink = image[..., :3].min(axis=2) < 128
    assert ink.mean() > 0.05
    # A missing glyph is drawn as the same box for every letter: distinct letters must differ.
    a_ring = rasterise(["å"], size_px=24)
    o_uml = rasterise(["ö"], size_px=24)
    assert a_ring.shape != o_uml.shape or not np.array_equal(a_ring, o_uml)


def test_attribution_lists_each_dataset_once():
    class Plain:
        source, licence, updated = "SSB", "CC-BY-4.0", "2016-01-01"

    assert attribution_lines([Source(), Source(), None, Plain()]) == [
        "SCB · CC0-1.0 · 2025-02-21", "SSB · CC-BY-4.0 · 2016-01-01"]
    terrain = vizkit.Terrain(np.full((4, 4), 10.0), extent=(0, 0, 4, 4), provenance=Source())
    credit = vizkit.Attribution([terrain])
    assert credit.text == "Data: SCB · CC0-1.0 · 2025-02-21\nValues below 5 are not shown."
    assert vizkit.Attribution([]).text == "Data: source not stated"


def test_bad_anchor_and_font_are_named():
    with pytest.raises(ValueError, match="anchor must be one of"):
        vizkit.Caption("x", anchor="middle")
    with pytest.raises(ValueError, match=r"font file not found or unreadable: /nope\.ttf"):
        vizkit.Caption("x", font_path="/nope.ttf")
