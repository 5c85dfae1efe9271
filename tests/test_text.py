"""Captions and attribution: HUD text where it is asked for, scaled, and off with --no-hud."""

from __future__ import annotations

import numpy as np
import pytest

import vizkit
from vizkit.clock import FrameState
from vizkit.layers.text import attribution_lines, rasterise

FRAME = FrameState(0.0, 1 / 30, 0)


class Source:
    def attribution(self) -> str:
        return "SCB · CC0-1.0 · 2025-02-21"


class Captioned(vizkit.Scene):
    def __init__(self, anchor: str):
        super().__init__()
        self.anchor = anchor

    def setup(self, assets):
        self.caption = self.add(vizkit.Caption("Befolkning i Uppsala län", anchor=self.anchor,
                                               size_px=20, background=(255, 255, 255, 255)))


def panel_mask(image, background) -> np.ndarray:
    bg = np.round(np.asarray(background) * 255)
    return np.abs(image.rgb.astype(int) - bg).max(axis=2) > 3


@pytest.mark.parametrize("anchor", ["top-left", "bottom-right"])
def test_caption_is_drawn_in_its_corner_at_its_size(offscreen, anchor):
    scene = Captioned(anchor)
    image = offscreen.render(scene, FRAME)
    mask = panel_mask(image, scene.background)
    x0, y0, x1, y1 = scene.caption.rect_px((320, 180))          # from the bottom-left
    rows, cols = np.nonzero(mask)
    top, bottom = 180 - rows.max() - 1, 180 - rows.min()        # flip to bottom-up
    assert abs(cols.min() - x0) <= 1 and abs(cols.max() + 1 - x1) <= 1
    assert abs(top - y0) <= 1 and abs(bottom - y1) <= 1
    assert (cols.min() < 160) == (anchor == "top-left")
    scene.release()


def test_caption_scales_with_the_view_height(gpu):
    scene = Captioned("top-left")
    scene.ensure_setup()
    small = scene.caption.rect_px((640, 360))
    large = scene.caption.rect_px((1280, 720))
    assert large[2] - large[0] == pytest.approx(2 * (small[2] - small[0]))


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
