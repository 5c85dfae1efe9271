"""How a frame looks once the layers have drawn it — sky, fog, exposure, bloom — and the
quality presets that say how much a frame may cost.

GL-free (dataclasses only), so the command line and ``exhibit.toml`` check ``--quality`` and
``quality = "…"`` without loading moderngl; the renderer (:mod:`vizkit.render`) does the
drawing. ``docs/look.md`` explains each choice with pictures and numbers.

**Light is linear.** Layers draw *linear light* into a floating-point scene target; one final
pass scales it by the exposure, adds bloom, compresses what would show brighter than
:data:`KNEE` with a soft shoulder (:func:`tone_map`) and encodes it as sRGB, so no density of
additive particles can turn a place into a white disc, while every colour below the knee — a
colour map's colours in full light — comes out exactly as it went in. Colours in this module
are sRGB display values (0–1), as people write them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

RGB = tuple[float, float, float]

#: Display value (sRGB, 0–1) up to which the tone map leaves colours untouched …
KNEE = 0.8
#: … the linear light it shows (the tone map works on light)
KNEE_LIGHT = ((KNEE + 0.055) / 1.055) ** 2.4
SKY_BAND = 0.08  # sine of the depression over which the sky turns from horizon to ground


class LookError(ValueError):
    """A sky, fog, bloom or quality setting that cannot be drawn (names field and value)."""


def _rgb(owner: str, name: str, value: Sequence[float]) -> RGB:
    try:
        rgb = tuple(float(v) for v in value)
    except (TypeError, ValueError):
        raise LookError(f"{owner}: {name} must be three numbers 0–1 (sRGB), got {value!r}") \
            from None
    if len(rgb) != 3 or not all(0.0 <= v <= 1.0 for v in rgb):
        raise LookError(f"{owner}: {name} must be three numbers 0–1 (sRGB), got {value!r}")
    return rgb  # type: ignore[return-value]


def _positive(owner: str, name: str, value: float, *, zero: bool = False) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(
        value) and (value >= 0 if zero else value > 0)
    if not ok:
        raise LookError(f"{owner}: {name} must be a {'non-negative' if zero else 'positive'} "
                        f"number, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class Sky:
    """The background as a gradient over the world's directions (a dome needs a sky).

    Every pixel gets the colour of the direction it looks in: ``zenith`` straight up,
    ``horizon`` at the world's horizon, ``ground`` below it (blended over a narrow band).
    Because it is a function of direction, a dome's cube faces meet without a seam and the
    sky stays put while the camera turns. sRGB colours, 0–1.
    """

    zenith: RGB
    horizon: RGB
    ground: RGB

    def __post_init__(self) -> None:
        for name in ("zenith", "horizon", "ground"):
            object.__setattr__(self, name, _rgb("Sky", name, getattr(self, name)))

    @classmethod
    def from_background(cls, background: Sequence[float]) -> Sky:
        """The default sky of a scene with ``background``: the background below the horizon
        (so a view looking down is unchanged), a lighter, cooler band at the horizon and a deep
        blue overhead — calm enough to sit behind data."""
        ground = _rgb("Scene", "background", background)
        horizon = tuple(min(1.0, g + lift) for g, lift in zip(ground, (0.10, 0.13, 0.18),
                                                            strict=True))
        zenith = tuple(min(1.0, 0.55 * g + lift) for g, lift in zip(ground, (0.02, 0.04, 0.10),
                                                                   strict=True))
        return cls(zenith=zenith, horizon=horizon, ground=ground)  # type: ignore[arg-type]

    @property
    def plain(self) -> bool:
        """One colour in every direction: a clear draws it."""
        return self.zenith == self.horizon == self.ground

    def display(self, up: Sequence[float] | float) -> list[RGB]:
        """Display colours (sRGB 0–1) of directions whose sine of elevation is ``up``: the
        zenith colour straight up, mixed towards the horizon colour by ``sqrt(up)``; below the
        horizon the ground colour, reached over a band 0.08 deep (a smoothstep)."""
        ups = [float(u) for u in (up if isinstance(up, Sequence) else [up])]
        out = []
        for u in ups:
            if u >= 0:
                w, far = math.sqrt(u), self.zenith
            else:
                t = min(max(-u / SKY_BAND, 0.0), 1.0)
                w, far = t * t * (3 - 2 * t), self.ground
            out.append(tuple(h + (f - h) * w for h, f in zip(self.horizon, far, strict=True)))
        return out  # type: ignore[return-value]

    @classmethod
    def uniform(cls, color: Sequence[float]) -> Sky:
        """One colour in every direction (no gradient)."""
        rgb = _rgb("Sky", "color", color)
        return cls(zenith=rgb, horizon=rgb, ground=rgb)


@dataclass(frozen=True)
class Fog:
    """Optional depth fog: what lies ``start`` metres or more from the eye fades towards
    ``color`` (default: the sky's horizon colour), reaching ``opacity`` at ``end`` metres.

    Distances are along the line of sight from the eye (not screen depth), so a dome's cube
    faces agree at their seams. Additive particles take the fog of the surface behind them.
    """

    start: float
    end: float
    color: RGB | None = None
    opacity: float = 0.85

    def __post_init__(self) -> None:
        _positive("Fog", "start", self.start, zero=True)
        _positive("Fog", "end", self.end)
        if not self.end > self.start:
            raise LookError(f"Fog: end ({self.end!r} m) must be beyond start "
                            f"({self.start!r} m)")
        if not (isinstance(self.opacity, (int, float)) and 0.0 <= self.opacity <= 1.0):
            raise LookError(f"Fog: opacity must be between 0 and 1, got {self.opacity!r}")
        if self.color is not None:
            object.__setattr__(self, "color", _rgb("Fog", "color", self.color))


@dataclass(frozen=True)
class Bloom:
    """Glow around light brighter than ``threshold`` (linear light; 1 = display white), drawn
    when the quality preset has bloom: a bright pass and a separable blur at reduced
    resolution, ``radius`` as a share of the frame height, added with ``strength``."""

    strength: float = 0.35
    threshold: float = 0.9
    radius: float = 0.012

    def __post_init__(self) -> None:
        _positive("Bloom", "strength", self.strength, zero=True)
        _positive("Bloom", "threshold", self.threshold, zero=True)
        _positive("Bloom", "radius", self.radius)


#: Storage of the scene target: RGBA32F, RGBA16F, or 8-bit sRGB without headroom ("u1":
#: additive light clips at white and there is no tone map — the plain, pre-HDR picture).
PRECISIONS = ("f4", "f2", "u1")
LIGHTS = ("soft", "plain")


@dataclass(frozen=True)
class Quality:
    """How much a frame may cost. A preset picks each; :func:`quality_named` finds one.

    Attributes:
        name: the preset's name.
        samples: MSAA samples of the scene target (capped to what the GL offers; 0 = off).
        precision: the scene target's storage, one of :data:`PRECISIONS`.
        bloom: draw the scene's :class:`Bloom`.
        light: ``"soft"`` — terrains and regions light as they are set to (soft by default:
            occlusion, soft shadows, sky light) — or ``"plain"``: every one lit plainly
            (ambient + diffuse, no horizon pass), whatever it asks.
    """

    name: str
    samples: int
    precision: str
    bloom: bool
    light: str

    def __post_init__(self) -> None:
        if not (isinstance(self.samples, int) and 0 <= self.samples <= 16):
            raise LookError(f"quality {self.name!r}: samples must be 0–16, got "
                            f"{self.samples!r}")
        if self.precision not in PRECISIONS:
            raise LookError(f"quality {self.name!r}: precision must be one of {PRECISIONS}, "
                            f"got {self.precision!r}")
        if self.light not in LIGHTS:
            raise LookError(f"quality {self.name!r}: light must be one of {LIGHTS}, got "
                            f"{self.light!r}")
        if self.bloom and self.precision == "u1":
            raise LookError(f"quality {self.name!r}: bloom needs a floating-point scene "
                            f"target (precision 'f2' or 'f4'), not 'u1'")

    @property
    def hdr(self) -> bool:
        """The scene target holds light above white (floating point)."""
        return self.precision != "u1"

    def but(self, **changes: object) -> Quality:
        """A copy with some fields changed (``quality.but(samples=0)``)."""
        return replace(self, **changes)  # type: ignore[arg-type]


QUALITIES: dict[str, Quality] = {q.name: q for q in (
    # A museum kiosk running all day on a real GPU: the most anti-aliasing the GL offers,
    # 32-bit float light (a day of faint particles adds up without rounding), bloom, soft light.
    Quality("kiosk", samples=8, precision="f4", bloom=True, light="soft"),
    # The default: anti-aliased, 16-bit float light, soft light, no bloom.
    Quality("laptop", samples=4, precision="f2", bloom=False, light="soft"),
    # Previews and quick renders: no MSAA, no occlusion or shadows, still no burn-out.
    Quality("draft", samples=0, precision="f2", bloom=False, light="plain"),
)}
DEFAULT_QUALITY = "laptop"


def quality_named(name: str) -> Quality:
    """The preset called ``name``; :class:`LookError` naming the presets otherwise."""
    found = QUALITIES.get(name) if isinstance(name, str) else None
    if found is None:
        raise LookError(f"unknown quality {name!r}; choose one of {', '.join(QUALITIES)}")
    return found


# -- the tone curve, for tests and documents (the final pass does the same in GLSL) ----------
def srgb_encode(linear: float) -> float:
    """Linear light → sRGB display value; above 1 the curve continues (extended sRGB)."""
    x = max(float(linear), 0.0)
    return 12.92 * x if x <= 0.0031308 else 1.055 * x ** (1 / 2.4) - 0.055


def srgb_decode(value: float) -> float:
    """sRGB display value → linear light."""
    v = float(value)
    return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4


def linear_rgba(color: Sequence[float]) -> tuple[float, ...]:
    """An RGB or RGBA colour in display values → linear light for a layer's shader (alpha, a
    coverage, is kept)."""
    values = tuple(float(c) for c in color)
    return tuple(srgb_decode(c) for c in values[:3]) + values[3:]


def tone_map(light: Sequence[float]) -> RGB:
    """Linear light (any size) → linear light up to 1, keeping the hue: while the largest
    channel ``m`` is at most ``k`` = :data:`KNEE_LIGHT` (the light shown as display value
    :data:`KNEE`) nothing changes; above it ``m`` follows a Reinhard shoulder
    ``k + (1 - k) * u / (1 + u)`` with ``u = (m - k) / (1 - k)`` (the same slope at the knee,
    1 only at infinity) and the whole colour is scaled with it (its ratios, the hue, kept)."""
    m = max(float(c) for c in light)
    if m <= KNEE_LIGHT:
        return tuple(float(c) for c in light)  # type: ignore[return-value]
    u = (m - KNEE_LIGHT) / (1.0 - KNEE_LIGHT)
    scale = (KNEE_LIGHT + (1.0 - KNEE_LIGHT) * u / (1.0 + u)) / m
    return tuple(float(c) * scale for c in light)  # type: ignore[return-value]
