"""The text engine: FreeType glyphs at the target's own size, the atlas, layout, captions —
sharp at every output size, Swedish letters present, placed where asked, off with --no-hud."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

import vizkit
from vizkit.clock import FrameState
from vizkit.targets.offscreen import OffscreenRenderer
from vizkit.text.atlas import GlyphAtlas
from vizkit.text.fonts import Face, FontError
from vizkit.text.layout import layout
from vizkit.text.sizing import SIZES, px_for, text_px
from vizkit.view import Viewing

FRAME = FrameState(0.0, 1 / 30, 0)
TEXT = "Befolkning i Uppsala län"
SWEDISH = "åäöÅÄÖæøÆØ"
WHITE, BLACK = (255, 255, 255, 255), (0, 0, 0, 255)


class Captioned(vizkit.Scene):
    background = (0.0, 0.0, 0.0)

    def __init__(self, text=TEXT, anchor="top-left", later=None, **caption):
        super().__init__()
        self.text, self.anchor, self.later, self.options = text, anchor, later, caption

    def setup(self, assets):
        self.caption = self.add(vizkit.Caption(self.text, anchor=self.anchor, **self.options))

    def update(self, frame):
        if self.later is not None:
            self.caption.text = self.later if frame.t >= 1.0 else self.text


def render(gpu, scene, size, frame=FRAME):
    renderer = OffscreenRenderer(size, samples=0, gpu=gpu)
    try:
        return renderer.render(scene, frame)
    finally:
        renderer.release()


def ink(image, threshold=128):
    return image.rgb.max(axis=2) > threshold


# -- fonts and glyph coverage ----------

def test_swedish_and_nordic_letters_have_their_own_glyphs():
    face = Face(32)
    assert all(face.has_glyph(c) for c in SWEDISH)
    assert not face.has_glyph("中")  # the check can fail: DejaVu Sans has no CJK
    # each letter is drawn, and differently from its plain form (the diacritic is there)
    for marked, plain in zip("åäöÅÄÖ", "aaoAAO", strict=True):
        a, b = face.glyph(marked).bitmap[..., 0], face.glyph(plain).bitmap[..., 0]
        assert a.sum() > b.sum() and face.glyph(marked).top > face.glyph(plain).top


def test_a_glyph_bitmap_is_freetypes_own_at_the_requested_size():
    """The atlas holds Pillow/FreeType's rendering at exactly the pixel size asked for."""
    font = ImageFont.truetype("DejaVuSans.ttf", 40)
    expected = np.asarray(font.getmask("Å"), np.uint8).reshape(font.getmask("Å").size[::-1])
    glyph = Face(40).glyph("Å").bitmap[..., 0]
    rows, cols = np.nonzero(glyph > 0)
    cropped = glyph[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    e_rows, e_cols = np.nonzero(expected > 0)
    expected = expected[e_rows.min():e_rows.max() + 1, e_cols.min():e_cols.max() + 1]
    assert cropped.shape == expected.shape
    assert np.abs(cropped.astype(int) - expected).max() <= 1


def test_the_halo_channel_surrounds_the_letter():
    glyph = Face(30).glyph("H").bitmap
    letter, halo = glyph[..., 0] > 0, glyph[..., 1] > 0
    assert (halo | ~letter).all() and halo.sum() > 1.3 * letter.sum()


def test_a_missing_font_file_is_named():
    with pytest.raises(FontError, match=r"font file not found or unreadable: /nope\.ttf"):
        Face(12, path="/nope.ttf")
    with pytest.raises(ValueError, match=r"font file not found or unreadable: /nope\.ttf"):
        vizkit.Caption("x", font_path="/nope.ttf")


# -- atlas and layout ----------

def test_the_atlas_packs_without_overlap_and_grows():
    atlas = GlyphAtlas(width=128)
    entries = [atlas.glyph(Face(px), c) for px in (10, 24, 48) for c in "AÅgjÖæ"]
    boxes = [(e.x, e.y, e.x + e.w, e.y + e.h) for e in entries if e.w]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
    assert atlas.height > 256 or max(b[3] for b in boxes) <= atlas.height
    for entry in entries:  # every bitmap is where its entry says
        face_px = [10, 24, 48][entries.index(entry) // 6]
        bitmap = Face(face_px).glyph("AÅgjÖæ"[entries.index(entry) % 6]).bitmap
        assert np.array_equal(atlas.pixels[entry.y:entry.y + entry.h,
                                           entry.x:entry.x + entry.w], bitmap)
    assert (atlas.pixels[0:4, 0:4] == 255).all()  # the solid block rectangles sample


def test_layout_breaks_lines_wraps_words_and_aligns():
    face, atlas = Face(20), GlyphAtlas()
    block = layout("Uppsala län\nåäö", face, atlas)
    assert block.lines == ("Uppsala län", "åäö")
    assert block.height == 2 * face.line_height
    assert block.width == np.ceil(face.length("Uppsala län"))
    wrapped = layout("ett två tre fyra fem sex", face, atlas, max_width=face.length("ett två t"))
    assert all(face.length(line) <= face.length("ett två t") for line in wrapped.lines)
    assert " ".join(wrapped.lines) == "ett två tre fyra fem sex"
    right = layout("a\nlonger line", face, atlas, align="right")
    left = layout("a\nlonger line", face, atlas, align="left")
    first_glyph = lambda b: b.glyphs[0, 0]  # noqa: E731 — x of "a"
    assert first_glyph(right) > first_glyph(left) + face.length("longer line") / 2
    with pytest.raises(ValueError, match="text align must be one of"):
        layout("x", face, atlas, align="justify")


# -- sizes in visual angle ----------

def test_text_sizes_follow_the_visual_angle_not_the_pixels():
    for height in (360, 720, 2160):
        seen = Viewing.flat(height, 30.0)
        assert text_px("body", seen) == round(SIZES["screen"].body / (30.0 / height))
    # never below the minimum angle, whatever the scale asks
    tiny = Viewing.flat(720)
    assert text_px("small", tiny, scale=0.1) == px_for(SIZES["screen"].minimum, tiny)


# -- captions on screen ----------

@pytest.mark.parametrize("size", [(640, 360), (1280, 720)])
def test_caption_text_is_rasterised_for_the_frame_it_lands_on(gpu, size):
    """White on opaque black: the drawn ink is FreeType's own at this frame's pixel size — as
    tall, as heavy and with as few partial pixels as Pillow drawing the same line directly
    (an image scaled up from a smaller one would be taller by the scale and blurrier)."""
    scene = Captioned(color=WHITE, background=BLACK)
    image = render(gpu, scene, size)
    px = text_px("body", Viewing.flat(size[1]))
    font = ImageFont.truetype("DejaVuSans.ttf", px)
    direct = PILImage.new("L", (size[0], px * 3), 0)
    ImageDraw.Draw(direct).text((10, px), TEXT, font=font, fill=255)
    direct = np.asarray(direct)
    rows, cols = np.nonzero(ink(image))
    d_rows, d_cols = np.nonzero(direct > 128)
    assert abs((rows.max() - rows.min()) - (d_rows.max() - d_rows.min())) <= 1
    assert abs((cols.max() - cols.min()) - (d_cols.max() - d_cols.min())) <= 2
    drawn = image.rgb[..., 0].astype(float)
    assert drawn.sum() == pytest.approx(direct.astype(float).sum(), rel=0.03)
    partial = ((drawn > 20) & (drawn < 235)).sum() / (drawn > 128).sum()
    d_partial = ((direct > 20) & (direct < 235)).sum() / (direct > 128).sum()
    assert partial <= d_partial * 1.15 + 0.02
    scene.release()


def test_caption_sits_in_its_corner_in_the_reader_frame(gpu):
    for anchor in ("top-left", "bottom-right", "top", "right"):
        scene = Captioned(anchor=anchor, background=(90, 90, 90, 255))
        image = render(gpu, scene, (640, 360))
        x0, y0, x1, y1 = scene.caption.placement.rect
        panel = np.abs(image.rgb.astype(int) - 90).max(axis=2) <= 2
        rows, cols = np.nonzero(panel)
        assert (cols.min(), rows.min()) == (x0, y0) and (cols.max() + 1, rows.max() + 1) == (
            x1, y1), anchor
        centre = ((x0 + x1) / 2, (y0 + y1) / 2)
        assert (centre[0] < 320) == anchor.endswith("left") or anchor in ("top",)
        assert (centre[1] < 180) == anchor.startswith("top") or anchor == "right"
        scene.release()


def test_assigning_text_in_update_changes_the_picture_and_back(gpu):
    later = "Folkmängd 2024\nUppsala län"
    scene = Captioned(later=later)
    renderer = OffscreenRenderer((640, 360), samples=0, gpu=gpu)
    before = renderer.render(scene, FRAME)
    after = renderer.render(scene, FrameState(1.0, 1 / 30, 30))
    assert scene.caption.texts() == ["Folkmängd 2024", "Uppsala län"]
    assert not np.array_equal(before.pixels, after.pixels)
    again = renderer.render(scene, FrameState(0.5, 1 / 30, 15))
    assert np.array_equal(before.pixels, again.pixels)
    renderer.release()
    scene.release()


def test_text_must_be_a_string_or_a_message():
    caption = vizkit.Caption("x")
    with pytest.raises(TypeError, match=r"Caption: text must be a str or a vizkit.Msg, got int"):
        caption.text = 42
    assert caption.text == "x"
    caption.text = vizkit.Msg("vizkit.legend.no_data")
    assert caption.lines == ["No data"]


def test_hud_can_be_left_out_of_frames(gpu):
    scene = Captioned(background=WHITE)
    scene.hud_visible = False
    assert not ink(render(gpu, scene, (320, 180)), 3).any()
    scene.release()


def test_bad_anchor_align_and_size_are_named():
    with pytest.raises(ValueError, match="anchor must be one of"):
        vizkit.Caption("x", anchor="middle")
    with pytest.raises(ValueError, match="align must be one of"):
        vizkit.Caption("x", align="justify")
    with pytest.raises(ValueError, match="size must be 'title', 'body' or 'small'"):
        vizkit.Caption("x", size="huge")
    with pytest.raises(ValueError, match=r"facing must be one of \(0, 90, 180, 270\)"):
        vizkit.Caption("x", facing=45)


def test_caption_reference_picture(gpu, reference):
    """Title, body and small text with Swedish letters, three anchors, as a picture."""

    class Three(vizkit.Scene):
        background = (0.18, 0.22, 0.3)

        def setup(self, assets):
            self.add(vizkit.Caption("Åre · Övik · Kärrtorp", anchor="top-left", size="title"))
            self.add(vizkit.Caption("Befolkning per km²\nrad två", anchor="bottom-right"))
            self.add(vizkit.Caption("æøå ÆØÅ", anchor="bottom-left", size="small"))

    scene = Three()
    image = render(gpu, scene, (960, 540))
    reference(image, "text_captions")
    scene.release()
