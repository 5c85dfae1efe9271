"""How statistics surfaces are lit — terrains and regions share one small light model.

The anchors visitors compare with (rayshader's layered shading, deck.gl's lit extrusions) make
tiny differences legible with soft light: occlusion in valleys and between towers, soft sun
shadows that never go black, a sky that lights faces turned up more than faces turned away, and
highlights that never clip. :class:`Light` names each of these, so an exhibit (or a quality
preset) can switch them one by one; ``Light.plain()`` is the old look (ambient + diffuse), and
``ambient=1`` on a layer still means *unlit* — the colour map's colours exactly. Highlights:
the layer stores its shaded colour as linear light and the renderer's final pass tone-maps the
whole frame once (:mod:`vizkit.look`), so a peak lit above white keeps its hue, never clips.

The model, per fragment (``shaders/lib/lighting.glsl``)::

    sky    = ambient · hemisphere(normal)
    sun    = (1 − ambient) · max(normal · to_sun, 0) · (1 − shadows · (1 − sunlit))
    colour = base · (sky + sun) · (1 − occlusion · (1 − open_sky)) · exposure
    (stored as linear light; the frame's one tone map comes later, in the renderer)

Occlusion darkens all the light a cell receives, as rayshader multiplies its ambient shade
into the image. ``open_sky`` and ``sunlit`` come from a horizon search over the terrain's
heights, made on the GPU once per time step (:mod:`vizkit.layers.horizon`); regions take
``open_sky`` from a contact shade at the foot of their walls. ``hemisphere`` blends a warm
ground bounce (normals facing down) into a cool sky (facing up).

GL-free, so presets and exhibit settings can build one without a context.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

SKY_TINT = (0.97, 1.0, 1.08)       # light from the sky, on faces turned up
BOUNCE_TINT = (0.64, 0.60, 0.55)   # light bounced off the ground, on faces turned down


@dataclass(frozen=True)
class Light:
    """Light for terrains and regions. Strengths are uniforms; switching ``sky`` or
    occlusion/shadows on or off is a variant (one program rebuild).

    Attributes:
        occlusion: 0…1, how much sky light a cell loses when its horizon is high (horizon-based
            ambient occlusion; terrains). 0 switches the horizon pass off when ``shadows`` is 0
            too.
        shadows: 0…1, how much direct sun a cell loses in the shadow of higher ground
            (terrains); 1 − ``shadows`` is the floor, so shadows never crush to black.
        sky: hemispherical sky light (cool from above, warm bounce from below) instead of a
            flat ambient term.
        exposure: multiplier on the light (the frame's tone map, in the renderer, keeps what
            rises above white from clipping).
        contact: 0…1, darkening of region walls near the ground (a soft contact shade).
        search: how far the occlusion looks, as a share of the footprint's diagonal (at least
            six cells); changing it recomputes the horizon textures.
        softness_deg: width of the shadow penumbra, degrees of sun elevation.
    """

    occlusion: float = 0.75
    shadows: float = 0.5
    sky: bool = True
    exposure: float = 1.2
    contact: float = 0.45
    search: float = 0.02
    softness_deg: float = 5.0

    def __post_init__(self) -> None:
        for name in ("occlusion", "shadows", "contact"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and 0.0 <= value <= 1.0):
                raise ValueError(f"Light: {name} must be between 0 and 1, got {value!r}")
        for name in ("exposure", "search", "softness_deg"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and value > 0 and math.isfinite(value)):
                raise ValueError(f"Light: {name} must be a positive number, got {value!r}")

    @classmethod
    def soft(cls) -> Light:
        """The default: occlusion, soft shadows and sky light."""
        return cls()

    @classmethod
    def plain(cls) -> Light:
        """Ambient + diffuse only: the look before soft light (and the cheapest: no horizon
        pass)."""
        return cls(occlusion=0.0, shadows=0.0, sky=False, exposure=1.0, contact=0.0)

    @property
    def horizon(self) -> bool:
        """True when a terrain needs its horizon pass (occlusion or shadows are on)."""
        return self.occlusion > 0.0 or self.shadows > 0.0

    def defines(self, *, horizon: bool = True) -> dict[str, object]:
        """Shader variants: ``SKY`` and (for terrains, ``horizon``) ``LIGHT`` — so a plain light
        compiles to plain ambient + diffuse."""
        out: dict[str, object] = {}
        if self.sky:
            out["SKY"] = 1
        if horizon and self.horizon:
            out["LIGHT"] = 1
        return out

    def uniform(self) -> tuple[float, float, float, float]:
        """``(sky, 0, exposure, shadows)`` as the shaders' ``u_light`` vec4 (the second slot,
        once the layer's own tone mapping, is unused: the renderer tone-maps the frame)."""
        return (float(self.sky), 0.0, float(self.exposure), float(self.shadows))

    def but(self, **changes: Any) -> Light:
        """A copy with some fields changed (``light.but(shadows=0)``)."""
        return replace(self, **changes)


def light_of(value: Any, owner: str) -> Light:
    """A layer's ``light=`` argument: a :class:`Light`, ``"soft"`` or ``"plain"``."""
    if isinstance(value, Light):
        return value
    if value == "soft":
        return Light.soft()
    if value == "plain":
        return Light.plain()
    raise ValueError(f"{owner}: light must be a vizkit.Light, 'soft' or 'plain', got {value!r}")


def sun_direction(sun: Any, owner: str) -> tuple[float, float, float]:
    """A unit vector towards the sun from ``sun`` (x, y, z); it must point above the horizon."""
    try:
        x, y, z = (float(v) for v in sun)
    except (TypeError, ValueError):
        raise ValueError(f"{owner}: sun must be three numbers (x, y, z), got {sun!r}") from None
    norm = math.sqrt(x * x + y * y + z * z)
    if not (math.isfinite(norm) and norm > 0 and z > 0):
        raise ValueError(f"{owner}: sun must point above the horizon (z > 0), got {sun!r}")
    return (x / norm, y / norm, z / norm)


__all__ = ["BOUNCE_TINT", "SKY_TINT", "Light", "light_of", "sun_direction"]
