"""The layer lifecycle every drawable follows (after deck.gl's, without its god class).

1. ``__init__(…)``: validate and keep numpy data; **no GL** (a scene can be built without a
   context, and bad input fails here with a clear message).
2. ``prepare(gpu)``: upload once — buffers, textures, the program. Called by the renderer the
   first time the layer is drawn in a context.
3. ``draw(view)``: per frame; sets uniforms only and issues draw calls.
4. ``release()``: frees every GL object the layer created (its :class:`ResourceGroup`).

Layers that draw counts also take ``policy=None`` (the scene's policy): ``Scene.add`` calls
:meth:`Layer.bind_policy` with the scene's policy before the first upload — see
:mod:`vizkit.layers.protection` for the disclosure-control contract.

Costs of change, stated on each setter: a *uniform* change is free per frame; an *attribute*
change re-uploads (``invalidate()``); a *variant* change (a ``#define``) rebuilds the program.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from vizkit.gpu import GpuContext, ResourceGroup
from vizkit.view import ViewState

if TYPE_CHECKING:
    from vizkit.privacy.policy import Policy


@dataclass(frozen=True)
class PickRecord:
    """What is under the pointer.

    Attributes:
        layer: the layer's name.
        element: ``(row, col)`` of a terrain cell (row 0 = south) or a region code (str).
        value: the value drawn there at the current (possibly fractional) time; NaN = no data.
        time: the time shown — the step's label (a year, say) when the layer has labels and
            sits on a step, else the fractional step index.
        change: in a change view, the change between the two compared steps, else ``None``.
    """

    layer: str
    element: tuple[int, int] | str
    value: float
    time: object
    change: float | None = None


class Layer:
    """Base class of drawables. Subclasses implement :meth:`upload` and :meth:`draw`.

    Attributes:
        draw_order: opaque layers (0) draw before blended ones (1, e.g. additive particles);
            the base map (0.5) draws between them, beneath the data by depth.
        is_hud: on-screen text and legends; left out when ``scene.hud_visible`` is false
            (``vizkit render --no-hud``) and placed at the dome's sweet spot by dome targets.
    """

    draw_order: float = 0
    is_hud: bool = False

    def __init__(self, *, name: str | None = None, visible: bool = True,
                 provenance: Any = None):
        self.name = name or type(self).__name__
        self.visible = visible
        self.provenance = provenance
        self._gpu: GpuContext | None = None
        self._group: ResourceGroup | None = None

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def prepared(self) -> bool:
        return self._gpu is not None

    def prepare(self, gpu: GpuContext) -> None:
        """Upload the layer's data into ``gpu`` (once; again only after :meth:`invalidate`)."""
        if self._gpu is gpu:
            return
        if self._gpu is not None:
            self.release()
        self._group = gpu.group(self.name)
        try:
            self.upload(gpu, self._group)
        except Exception:
            self._group.release()
            self._group = None
            raise
        self._gpu = gpu

    def invalidate(self) -> None:
        """Drop GPU resources so the next draw re-uploads (an *attribute* change)."""
        self.release()

    def release(self) -> None:
        """Release every GL object this layer created."""
        if self._group is not None:
            self._group.release()
        self._group = None
        self._gpu = None

    # -- to implement ----------------------------------------------------------------------
    def upload(self, gpu: GpuContext, group: ResourceGroup) -> None:
        raise NotImplementedError

    def draw(self, view: ViewState) -> None:
        raise NotImplementedError

    def bounds(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Axis-aligned (min, max) corners in world metres, for framing the camera."""
        return None

    def ground_points(self) -> np.ndarray | None:
        """``(N, 3)`` world points where the layer's data stands on the ground (a few
        thousand at most), for framing its shape rather than its box — a dome centres a
        diagonal country, not the empty corners of its box. ``None``: use :meth:`bounds`."""
        return None

    def set_time(self, t: float) -> None:
        """Follow scene time ``t`` (uniform-only; layers that animate override this)."""

    def bind_policy(self, scene_policy: Policy) -> None:
        """Take the scene's disclosure policy (``Scene.add`` calls this). Layers that draw no
        counts ignore it; count layers protect their values under it (tightened by their own
        ``policy=``) — see :mod:`vizkit.layers.protection`."""
