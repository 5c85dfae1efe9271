"""What a layer needs to draw one view: matrices, viewport, frame time and the pass.

A target (window, offscreen, a dome's cube face) builds one :class:`ViewState` per view it draws;
a layer never knows which target it is in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vizkit.clock import FrameState
from vizkit.look import Quality
from vizkit.matrices import Mat4, Vec3, gl_uniform, translation

VIEWING_KINDS = ("screen", "table", "dome")


@dataclass(frozen=True)
class Viewing:
    """How the audience sees a view, for sizes given as visual angles (text, labels).

    Attributes:
        deg_per_px: degrees of visual angle one pixel of the view covers — the smallest
            anywhere in it, so a minimum text size holds everywhere.
        kind: ``"screen"`` (window, kiosk), ``"table"`` (touch table) or ``"dome"``; sets the
            default text sizes (:mod:`vizkit.text.sizing`).
        fisheye: the view is one cube face of a fisheye (a dome): world labels are drawn as
            billboards sized by angle, so every face draws them alike.
    """

    deg_per_px: float
    kind: str = "screen"
    fisheye: bool = False

    def __post_init__(self) -> None:
        if self.kind not in VIEWING_KINDS:
            raise ValueError(f"Viewing: kind must be one of {VIEWING_KINDS}, got {self.kind!r}")
        if not self.deg_per_px > 0:
            raise ValueError(f"Viewing: deg_per_px must be > 0, got {self.deg_per_px!r}")

    @classmethod
    def flat(cls, viewport_height_px: int, view_height_deg: float = 30.0,
             kind: str = "screen") -> Viewing:
        """A flat view whose height spans ``view_height_deg`` at the viewer's eye (30°: a
        kiosk screen seen from arm's length and a bit; a touch table seen from its edge
        spans more)."""
        return cls(view_height_deg / max(int(viewport_height_px), 1), kind)


@dataclass(frozen=True)
class ViewState:
    """One view of the scene.

    Attributes:
        view: world → eye matrix (column vectors, float64: :mod:`vizkit.matrices`).
        projection: eye → clip matrix.
        eye: camera position in world metres.
        viewport: (width, height) in pixels of the framebuffer being drawn.
        frame: the frame's time state.
        pass_name: ``"color"`` for the picture, ``"pick"`` for the id buffer.
        viewing: the visual angle of a pixel and the kind of display, when the target knows
            it (a dome does); ``None``: a flat screen whose height spans 30°.
        angular: the view is one face of an angular output (a domemaster's cube face, whose
            pixel at the face centre spans the output's angle per pixel): sizes in pixels
            (line widths) are pixels of that output, so a layer widens them towards the face's
            edges, where a face pixel spans less angle. ``False`` for flat screens and images.
        quality: the :class:`~vizkit.look.Quality` the renderer draws at (set by the renderer
            for the colour pass; ``None`` elsewhere): layers read what it asks of them — with
            ``quality.light == "plain"`` terrains and regions light plainly (no horizon pass).
    """

    view: Mat4
    projection: Mat4
    eye: Vec3
    viewport: tuple[int, int]
    frame: FrameState
    pass_name: str = "color"
    viewing: Viewing | None = None
    angular: bool = False
    quality: Quality | None = None

    @property
    def seen(self) -> Viewing:
        """:attr:`viewing`, or a flat screen whose height spans 30° when the target gave none."""
        return self.viewing or Viewing.flat(self.viewport[1])

    def model_view_projection(self, origin: Vec3 = (0.0, 0.0, 0.0)) -> np.ndarray:
        """``projection @ view @ translate(origin)`` as float32, ready to upload.

        Computed in float64 so a layer can keep float32 vertices small (relative to ``origin``)
        even when its world coordinates are millions of metres.
        """
        return (self.projection @ self.view @ translation(origin)).astype(np.float32)

    gl_matrix = staticmethod(gl_uniform)  # a matrix laid out for a GLSL mat4 uniform
