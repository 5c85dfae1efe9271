"""What a layer needs to draw one view: matrices, viewport, frame time and the pass.

A target (window, offscreen, a dome's cube face) builds one :class:`ViewState` per view it draws;
a layer never knows which target it is in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vizkit.clock import FrameState
from vizkit.matrices import Mat4, Vec3, gl_uniform, translation


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
        angular: the view is one face of an angular output (a domemaster's cube face, whose
            pixel at the face centre spans the output's angle per pixel): sizes in pixels
            (line widths) are pixels of that output, so a layer widens them towards the face's
            edges, where a face pixel spans less angle. ``False`` for flat screens and images.
    """

    view: Mat4
    projection: Mat4
    eye: Vec3
    viewport: tuple[int, int]
    frame: FrameState
    pass_name: str = "color"
    angular: bool = False

    def model_view_projection(self, origin: Vec3 = (0.0, 0.0, 0.0)) -> np.ndarray:
        """``projection @ view @ translate(origin)`` as float32, ready to upload.

        Computed in float64 so a layer can keep float32 vertices small (relative to ``origin``)
        even when its world coordinates are millions of metres.
        """
        return (self.projection @ self.view @ translation(origin)).astype(np.float32)

    gl_matrix = staticmethod(gl_uniform)  # a matrix laid out for a GLSL mat4 uniform
