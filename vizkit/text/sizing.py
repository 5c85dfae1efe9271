"""Text sizes as visual angles: how big letters look to the audience, whatever the pixels.

A size in pixels means nothing on its own — 18 px is large on a 720p kiosk and a speck on a
4096² domemaster. vizkit sizes text in degrees of visual angle at the display's viewing
geometry (:class:`vizkit.view.Viewing`) and converts to pixels of the target being drawn, so a
dome frame rendered at 1024 and at 8192 shows the same letters, rasterised for each.

Defaults per display kind (degrees, letter height = the font's em size):

=========  =====  ====  =====  =======  ============================================
kind       title  body  small  minimum  geometry assumed
=========  =====  ====  =====  =======  ============================================
screen     1.0    0.7   0.55   0.5      the view's height spans 30° (arm's length+)
table      1.0    0.7   0.55   0.5      the same, set ``view_height_deg`` to the table
dome       2.0    1.4   1.25   1.25     the dome's own angles (aperture / frame size)
=========  =====  ====  =====  =======  ============================================

The minimum for screens and tables follows reading research (fluent reading needs an
x-height of about 0.2°–0.3°, i.e. 0.4°–0.55° em for DejaVu Sans); the dome's is larger because
a 1024² domemaster has only 5.7 pixels per degree: 1.9° is 11 px there — legible — and the same
angle (87 px) at 8192.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from vizkit.view import Viewing

ROLES = ("title", "body", "small")


@dataclass(frozen=True)
class TextSizes:
    """Letter sizes (em) in degrees of visual angle for one kind of display."""

    title: float
    body: float
    small: float
    minimum: float

    def degrees(self, role: str, scale: float = 1.0) -> float:
        """The size of ``role`` times ``scale``, never below :attr:`minimum`."""
        if role not in ROLES:
            raise ValueError(f"text size must be one of {ROLES}, got {role!r}")
        return max(getattr(self, role) * scale, self.minimum)


SIZES = {
    "screen": TextSizes(title=1.0, body=0.7, small=0.55, minimum=0.5),
    "table": TextSizes(title=1.0, body=0.7, small=0.55, minimum=0.5),
    "dome": TextSizes(title=2.0, body=1.4, small=1.25, minimum=1.25),
}
#: Legacy sizes in pixels "at a 720-pixel-high view" convert at the screen's 30° / 720 px.
LEGACY_DEG_PER_PX = 30.0 / 720.0


def sizes_for(viewing: Viewing) -> TextSizes:
    return SIZES[viewing.kind]


def px_for(degrees: float, viewing: Viewing) -> int:
    """Whole pixels (at least 1) for a visual angle in a view seen as ``viewing``."""
    return max(1, round(degrees / viewing.deg_per_px))


def text_px(role: str, viewing: Viewing, scale: float = 1.0) -> int:
    """Pixel size of the text ``role`` at ``viewing`` (the kind's size, at least its minimum)."""
    return px_for(sizes_for(viewing).degrees(role, scale), viewing)


def dome_face_viewing(size: int, aperture: float) -> Viewing:
    """How a dome's cube faces are seen: one face texel at a face centre is one domemaster
    pixel, ``aperture / size`` degrees; world labels are billboards (``fisheye``)."""
    return Viewing(aperture / size, "dome", fisheye=True)


def dome_hud_viewing(image_width: int, panel_width_deg: float, aspect: float) -> Viewing:
    """How the dome's HUD image is seen: a flat picture ``panel_width_deg`` wide hung facing
    the audience (gnomonic), whose pixels cover the least angle at its corners — sizes are
    taken there, so a minimum holds over the whole panel."""
    half = math.tan(math.radians(panel_width_deg / 2))
    rad_per_px_centre = 2 * half / image_width
    corner = half * half * (1 + 1 / (aspect * aspect))   # tan² of the corner's angle
    return Viewing(math.degrees(rad_per_px_centre) / (1 + corner), "dome")
