"""What a layer needs to draw one view: matrices, viewport, frame time and the pass.

A target (window, offscreen, a dome's cube face) builds one :class:`ViewState` per view it draws;
a layer never knows which target it is in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vizkit.camera import Mat4, Vec3
from vizkit.clock import FrameState


@dataclass(frozen=True)
class ViewState:
    """One view of the scene.

    Attributes:
        view: world → eye matrix (column-vector convention, float64).
        projection: eye → clip matrix.
        eye: camera position in world metres.
        viewport: (width, height) in pixels of the framebuffer being drawn.
        frame: the frame's time state.
        pass_name: ``"color"`` for the picture, ``"pick"`` for the id buffer.
    """

    view: Mat4
    projection: Mat4
    eye: Vec3
    viewport: tuple[int, int]
    frame: FrameState
    pass_name: str = "color"

    def model_view_projection(self, origin: Vec3 = (0.0, 0.0, 0.0)) -> np.ndarray:
        """``projection @ view @ translate(origin)`` as float32, ready to upload.

        Computed in float64 so a layer can keep float32 vertices small (relative to ``origin``)
        even when its world coordinates are millions of metres.
        """
        translate = np.eye(4)
        translate[:3, 3] = origin
        return (self.projection @ self.view @ translate).astype(np.float32)

    @staticmethod
    def gl_matrix(matrix: np.ndarray) -> np.ndarray:
        """A column-vector matrix laid out for a GLSL ``mat4`` uniform (column-major)."""
        return np.ascontiguousarray(np.asarray(matrix, np.float32).T)
