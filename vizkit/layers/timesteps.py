"""Statistics over time steps, shared by the terrain and regions layers.

:class:`TimeSteps` is the mixin both layers build on: fractional time steps with optional
labels (years), the change view between two steps, legend data, the colour-map lookup
textures and the shader variants every statistics layer shares. Helpers for reading inputs —
:func:`numeric_column`, :func:`time_steps`, :func:`time_labels` — and the scale names
(:data:`SCALES`) live here too, so neither layer imports the other.

A layer using the mixin keeps its values ``(T, …)`` in ``values`` (after disclosure control,
see :mod:`vizkit.layers.protection`) and sets the colour, legend and change attributes in its
``__init__``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from vizkit.colormap import DIVERGING_DEFAULT, Colormap
from vizkit.easing import Easing
from vizkit.gpu import GpuContext, ResourceGroup
from vizkit.layers.autoscale import ScaleChoice, choose
from vizkit.layers.legend import NO_DATA_GREY, ColorScale, color_scale, scaled
from vizkit.layers.light import Light, light_of, sun_direction
from vizkit.view import ViewState

PLAIN_LIGHT = Light.plain()

SCALES = {"linear": 0, "sqrt": 1, "log": 2}  # scale name → the shaders' SCALE define


def numeric_column(frame: pd.DataFrame, column: str, owner: str, *,
                   allow_nan: bool = True) -> npt.NDArray[np.float64]:
    """``frame[column]`` as float64, or a clear error naming the column and bad values."""
    if column not in frame.columns:
        raise ValueError(f"{owner}: no column {column!r} (columns: "
                         f"{', '.join(map(str, frame.columns))})")
    raw = frame[column]
    numbers = pd.to_numeric(raw, errors="coerce")
    bad = numbers.isna() & raw.notna()
    if bad.any():
        sample = ", ".join(repr(v) for v in raw[bad].unique()[:5])
        raise TypeError(f"{owner}: column {column!r} must be numeric; {int(bad.sum())} "
                        f"value(s) are not, e.g. {sample}")
    out = numbers.to_numpy(dtype=np.float64, na_value=np.nan)
    if np.isinf(out).any():
        raise ValueError(f"{owner}: column {column!r} contains infinity; use NaN for no data")
    if not allow_nan and np.isnan(out).any():
        rows = list(frame.index[np.isnan(out)][:5])
        raise ValueError(f"{owner}: column {column!r} has missing values (rows {rows})")
    return out


def time_steps(labels: Sequence[Any]) -> tuple[list[Any], npt.NDArray[np.int64]]:
    """Sorted distinct time labels and each input's step index (vectorised)."""
    codes, uniques = pd.factorize(pd.Series(list(labels)), sort=True)
    return list(uniques), codes.astype(np.int64)


def time_labels(times: Sequence[Any] | None, steps: int, owner: str) -> tuple[Any, ...]:
    """``times`` as a tuple of one label per step (empty when None), or a clear error."""
    if times is None:
        return ()
    labels = tuple(times)
    if len(labels) != steps:
        raise ValueError(f"{owner}: {len(labels)} time labels for {steps} time steps")
    return labels


class TimeSteps:
    """Shared by statistics layers over time steps (terrain cells, regions): fractional steps
    with optional labels (years), the change view and legend data. ``values`` is ``(T, …)``;
    the layer sets the colour and change attributes in its ``__init__``."""

    values: npt.NDArray[np.float32]
    hidden: npt.NDArray[np.bool_]
    privacy_statement: str
    name: str
    colormap: Colormap
    units: str
    label: str
    no_data: str
    hidden_color: tuple[float, float, float, float]
    change: tuple[int, int] | None
    change_colormap: Colormap

    times: tuple[Any, ...]
    time_index: float
    easing: Easing

    _domain: tuple[float, float] | None = None
    _scale: str | None = None
    _change_limit: float | None = None
    zero_color: tuple[float, float, float, float] | None = None
    _derived: dict[str, tuple[np.ndarray, object, Any]]

    _shape: tuple[int, ...]  # (T, …) of the values, set by the layer before protection

    @property
    def steps(self) -> int:
        """Number of time steps."""
        return self._shape[0]

    # -- light (uniforms; see vizkit.layers.light) ------------------------------------------
    @property
    def sun(self) -> tuple[float, float, float]:
        """Unit vector towards the sun; set any (x, y, z) above the horizon (a uniform; a
        terrain's horizon light is made again)."""
        return self._sun

    @sun.setter
    def sun(self, direction: Sequence[float]) -> None:
        self._sun = sun_direction(direction, self.name)

    @property
    def light(self) -> Light:
        """The :class:`~vizkit.layers.light.Light`; set a ``Light``, ``"soft"`` or
        ``"plain"`` (strengths are uniforms, switching a part on or off a variant)."""
        return self._light

    @light.setter
    def light(self, value: Light | str) -> None:
        self._light = light_of(value, self.name)

    def light_for(self, view: ViewState) -> Light:
        """The light to draw ``view`` with: :attr:`light`, or plain light when the renderer's
        quality preset asks for it (``draft``: no horizon pass, no occlusion or shadows)."""
        quality = getattr(view, "quality", None)
        if quality is not None and quality.light == "plain":
            return PLAIN_LIGHT
        return self._light

    # -- values derived from what is shown ---------------------------------------------------
    def _cached(self, name: str, values: np.ndarray, extra: object, make: Any) -> Any:
        """``make()``, remembered while the shown ``values`` (the same array object: they are
        replaced, never changed, when protection runs again) and ``extra`` stay the same."""
        cache = self.__dict__.setdefault("_derived", {})
        hit = cache.get(name)
        if hit is None or hit[0] is not values or hit[1] != extra:
            hit = (values, extra, make())
            cache[name] = hit
        return hit[2]

    def _shown(self) -> npt.NDArray[np.float32]:
        """The shown values in whatever layout the layer stores them (any shape; NaN = not
        shown): what the scale and domain are chosen from. Default: :attr:`values`."""
        return self.values

    @property
    def scale_choice(self) -> ScaleChoice:
        """The scale, colour domain and peak, chosen from the shown values where not given
        (:func:`vizkit.layers.autoscale.choose`; remembered while they stay the same)."""
        values = self._shown()
        return self._cached("choice", values, (self._scale, self._domain),
                            lambda: choose(values, scale=self._scale, domain=self._domain))

    @property
    def scale(self) -> str:
        """``"linear"``, ``"sqrt"`` or ``"log"``: as given, else chosen from the distribution of
        the shown values (see :mod:`vizkit.layers.autoscale`). A variant: heights and colours
        both follow it; changing it rebuilds the program."""
        return self._scale or self.scale_choice.kind

    @scale.setter
    def scale(self, scale: str | None) -> None:
        if scale is not None and scale not in SCALES:
            raise ValueError(f"{self.name}: scale must be one of {sorted(SCALES)}, got "
                             f"{scale!r}")
        self._scale = scale
        self.__dict__.get("_vaos", {}).clear()

    @property
    def height_scale(self) -> str:
        """The scale of heights: :attr:`scale`, except ``"sqrt"`` under a *chosen* log scale
        (see :mod:`vizkit.layers.autoscale`)."""
        return self._scale or self.scale_choice.height_kind

    @property
    def domain(self) -> tuple[float, float]:
        """Values at the ends of the colour map: as given, else from 0 (or the lowest value)
        to the 99.5th percentile of the shown values (after disclosure control; see
        :mod:`vizkit.layers.autoscale`). A given domain bounds the heights too."""
        if self._domain is not None:
            return self._domain
        return self.scale_choice.domain

    @domain.setter
    def domain(self, domain: tuple[float, float] | None) -> None:
        self._domain = None if domain is None else (float(domain[0]), float(domain[1]))

    @property
    def height_domain(self) -> tuple[float, float]:
        """Values at height 0 and at the layer's maximum height: the colour domain's low end
        and the largest shown value (or a given domain)."""
        return (self.domain[0], self.scale_choice.peak)

    def _scaled_domains(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """The colour and height domains after the scale, for the shaders' uniforms."""
        lo, hi = scaled(np.array(self.domain, float), self.scale)
        h0, h1 = scaled(np.array(self.height_domain, float), self.height_scale)
        return (float(lo), float(hi)), (float(h0), float(h1))

    def level_of(self, values: npt.ArrayLike, *, heights: bool = False
                 ) -> npt.NDArray[np.float64]:
        """Positions 0…1 of values in the colour domain (or the height domain) after the
        scale, clipped; NaN stays NaN."""
        colour, height = self._scaled_domains()
        lo, hi = height if heights else colour
        v = scaled(np.asarray(values, float), self.height_scale if heights else self.scale)
        with np.errstate(invalid="ignore"):
            return np.clip((v - lo) / max(hi - lo, 1e-30), 0.0, 1.0)

    @property
    def change_range(self) -> float:
        """The change at either end of the change view's colour map: as given to
        :meth:`show_change`, else the largest absolute change between the compared steps."""
        if self._change_limit is not None:
            return self._change_limit
        if self.change is None:
            return 1.0
        values, (a, b) = self._shown(), self.change  # stored layout: no dense grid needed

        def largest() -> float:
            delta = values[b] - values[a]
            finite = delta[np.isfinite(delta)]
            limit = float(np.abs(finite).max()) if finite.size else 1.0
            return limit if limit > 0 else 1.0

        return self._cached("change_range", values, (a, b), largest)

    # -- time --------------------------------------------------------------------------------
    def _steps_and_mix(self, time_index: float) -> tuple[int, int, float]:
        last = self.steps - 1
        x = min(max(float(time_index), 0.0), float(last))
        step0 = min(math.floor(x), last)
        step1 = min(step0 + 1, last)
        return step0, step1, self.easing(x - step0) if step1 != step0 else 0.0

    def step_of(self, label: Any) -> int:
        """The index of a time label (``terrain.step_of(2020)``); ints and strings both match."""
        for i, t in enumerate(self.times):
            if t == label or str(t) == str(label):
                return i
        raise ValueError(f"{getattr(self, 'name', '')}: no time step {label!r} "
                         f"(steps: {', '.join(map(str, self.times))})")

    def time_label(self, time_index: float | None = None) -> object:
        """The time shown at a fractional step: its label on a step, an interpolated number
        between numeric labels (2019.5), else the nearest step's label or the index."""
        x = self.time_index if time_index is None else time_index
        s0, s1, mix = self._steps_and_mix(x)
        if not self.times:
            return float(s0 + mix)
        if mix == 0.0:
            return self.times[s0]
        if mix == 1.0:
            return self.times[s1]
        try:
            a, b = float(self.times[s0]), float(self.times[s1])
            return a + (b - a) * mix
        except (TypeError, ValueError):
            return self.times[s1 if mix >= 0.5 else s0]

    def _step_identity(self, step: int) -> str:
        """The time part of a cell's identity for cell keys: its label as text (or index)."""
        return str(self.times[step]) if self.times else str(step)

    # -- change view -------------------------------------------------------------------------
    def show_change(self, from_step: int | object, to_step: int | object, *,
                    colormap: str | Sequence[object] | Colormap = DIVERGING_DEFAULT,
                    limit: float | None = None) -> None:
        """Colour by the change from one time step to another on a diverging map (a uniform).

        Steps are indices or time labels (years). Heights keep following :attr:`time_index`.
        ``limit``: the change at either end of the map (default: the largest absolute change).
        """
        a, b = self._step_arg(from_step), self._step_arg(to_step)
        self.change = (a, b)
        cmap = Colormap(colormap)
        if cmap.name != self.change_colormap.name or cmap.name == "custom":
            self.change_colormap = cmap
            self.invalidate()  # type: ignore[attr-defined]  # the table is uploaded with the layer
        self._change_limit = None if limit is None else (float(limit) if limit > 0 else 1.0)

    def show_values(self) -> None:
        """Back from the change view to colouring by value (a uniform)."""
        self.change = None

    def _step_arg(self, step: int | object) -> int:
        if isinstance(step, (int, np.integer)) and not self.times:
            index = int(step)
        elif self.times:
            try:
                return self.step_of(step)
            except ValueError:
                if not isinstance(step, (int, np.integer)):
                    raise
                index = int(step)
        else:
            raise ValueError(f"{self.name}: time step {step!r} is not an index and the layer "
                             "has no time labels")
        if not 0 <= index < self.steps:
            raise ValueError(f"{self.name}: time step {index} out of range 0…{self.steps - 1}")
        return index

    def legend(self) -> ColorScale:
        """The colour scale drawn now: values (sequential) or, in a change view, changes."""
        # the no-data swatch only when some cell shown has no data (and is tinted, not a hole)
        no_data = NO_DATA_GREY if self.no_data == "grey" and self._any_no_data() else None
        if self.change is not None:
            a, b = (self.times[i] if self.times else i for i in self.change)
            limit = self.change_range
            return color_scale((-limit, limit), "diverging", self.change_colormap,
                               units=self.units, no_data_color=no_data,
                               label=f"Change {a}→{b}" + (f": {self.label}" if self.label else ""),
                               note=self.privacy_statement)
        choice = self.scale_choice
        return color_scale(self.domain, self.scale, self.colormap, units=self.units,
                           label=self.label, no_data_color=no_data, note=self.privacy_statement,
                           hidden_color=self.hidden_color if self._any_hidden() else None,
                           zero_color=self.zero_color, scale_note=choice.note,
                           extends=choice.extends)

    def _any_hidden(self) -> bool:
        """True when disclosure control hid some cell (the legend then shows its swatch)."""
        return bool(self.hidden.any())

    def _any_no_data(self) -> bool:
        """True when some drawn cell has no data (NaN, not hidden) in some step."""
        values = self.values
        return bool(self._cached("any_no_data", values, None, lambda: bool(
            (np.isnan(values) & ~np.asarray(self.hidden)).any())))

    # -- GPU ---------------------------------------------------------------------------------
    def _upload_colormaps(self, gpu: GpuContext, group: ResourceGroup) -> None:
        """The value and change colour maps as 256×1 lookup textures (clamped at the ends)."""
        self._colormap_tex = gpu.texture(group, (256, 1), 4, self.colormap.lut())
        self._change_tex = gpu.texture(group, (256, 1), 4, self.change_colormap.lut())
        for tex in (self._colormap_tex, self._change_tex):
            tex.repeat_x = tex.repeat_y = False

    def _variant(self, pass_name: str, has_no_data: bool) -> dict[str, object]:
        """Shader defines every statistics layer shares: the scale, the pick pass, no data."""
        defines: dict[str, object] = {"SCALE": SCALES[self.scale],
                                      "HEIGHT_SCALE": SCALES[self.height_scale]}
        if pass_name == "pick":
            defines["PICK"] = 1
        if has_no_data:
            defines["NO_DATA"] = 1
        return defines

    @staticmethod
    def _blend(a: Any, b: Any, mix: float) -> Any:
        """As the shaders blend: the pure step at 0 and 1, NaN if either is NaN in between."""
        if mix <= 0.0:
            return a
        if mix >= 1.0:
            return b
        return a + (b - a) * mix


__all__ = ["SCALES", "TimeSteps", "numeric_column", "time_labels", "time_steps"]
