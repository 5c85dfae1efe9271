"""Scenes: layers + a camera + lifecycle hooks a script overrides.

A scene script subclasses :class:`Scene`::

    class Population(vizkit.Scene):
        def setup(self, assets):            # once: load data, add layers, place the camera
            self.terrain = self.add(vizkit.Terrain(heights, extent=(0, 0, 10, 10)))
        def update(self, frame):            # every frame: derive state from frame.t
            self.orbit.azimuth = 10 * frame.t
        def on_key(self, event):            # input handlers (optional)
            ...

Input: the live loop (:mod:`vizkit.targets.live`) dispatches every contact of the mouse, OS touch
and TUIO to ``on_pointer_down/drag/up/cancel``, every recognised gesture to ``on_gesture``, and
what a tap picked to ``on_pick``; a handler that returns ``vizkit.HANDLED`` stops the default.
The defaults (:mod:`vizkit.input.interaction`): gestures and the wheel orbit, pan and zoom
within limits through :attr:`Scene.navigator`; a visitor who moves the camera takes it over
from a scripted tour, which returns after ``tour_handover.resume_seconds``.

``update`` must derive what it changes from ``frame.t`` (not accumulate), so frame *t* is the same
picture in a window, a video and a test. The runner calls ``setup`` once, then ``update`` before
each frame; :meth:`snapshot` does both for a single ``t`` and returns an :class:`Image`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from vizkit.assets import Assets
from vizkit.camera import Camera, Orbit
from vizkit.clock import FrameState
from vizkit.events import HANDLED, KeyEvent, PointerEvent, ScrollEvent
from vizkit.input.interaction import HandoverSettings, Interaction
from vizkit.input.navigation import NavigationSettings, OrbitNavigator
from vizkit.layers.base import Layer
from vizkit.look import Bloom, Fog, Sky
from vizkit.view import Viewing, ViewState

if TYPE_CHECKING:
    from vizkit.exhibit import ExhibitConfig
    from vizkit.image import Image
    from vizkit.input.gestures import Gesture
    from vizkit.layers.base import PickRecord
    from vizkit.layers.hud import HudHit
    from vizkit.privacy import Policy
    from vizkit.targets.offscreen import OffscreenRenderer
    from vizkit.text.i18n import Msg
    from vizkit.text.scene_words import SceneWords

L = TypeVar("L", bound=Layer)


class Scene:
    """Base class of every scene script.

    Class attributes a script may set:
        title: shown in window titles and captions.
        background: RGB clear colour in 0–1.
        fps: default frame rate for recordings.
        duration: default length in seconds of a recording (``None`` = one frame).
        hud_visible: draw HUD layers (captions, legends, attribution); ``--no-hud`` clears it.
        navigation: limits and gains of the default camera interaction
            (:class:`~vizkit.input.navigation.NavigationSettings`).
        tour_handover: when a scripted camera returns after a visitor let go
            (:class:`~vizkit.input.interaction.HandoverSettings`).
        default_language: the language shown first (``"sv"``), unless the exhibit or
            ``--lang`` says otherwise; ``None``: the first the scene speaks.
        strings_file: the scene's string table, relative to its script (``None``:
            ``<script>.strings.toml``). See docs/text.md.
        view_height_deg: visual angle the view's height spans for the audience of a flat
            display (30° for a screen at arm's length and a bit); text sizes follow it.
        sky: the background as a :class:`vizkit.Sky` gradient over directions; ``None``
            (default): ``Sky.from_background(background)`` — the background below the horizon.
        fog: optional depth :class:`vizkit.Fog` (default ``None``: none).
        exposure: multiplier on the scene's linear light before the tone map (default 1).
        bloom: glow settings (:class:`vizkit.Bloom`), drawn when the quality has bloom.
    """

    title: str = ""
    background: tuple[float, float, float] = (0.05, 0.06, 0.08)
    fps: float = 30.0
    duration: float | None = None
    hud_visible: bool = True
    navigation: NavigationSettings = NavigationSettings()
    tour_handover: HandoverSettings = HandoverSettings()
    default_language: str | None = None
    strings_file: str | None = None
    view_height_deg: float = 30.0
    sky: Sky | None = None
    fog: Fog | None = None
    exposure: float = 1.0
    bloom: Bloom = Bloom()

    def __init__(self, assets: Assets | None = None):
        self.assets = assets or Assets.for_script(None)
        self.layers: list[Layer] = []
        self.camera = Camera()
        self.orbit: Orbit | None = Orbit()
        self.exhibit: ExhibitConfig | None = None  # set when run from an exhibit folder
        self._is_set_up = False
        self._offscreen: OffscreenRenderer | None = None
        self.interaction = Interaction(self.navigation, self.tour_handover)
        self._words: SceneWords | None = None
        self._wanted_language: str | None = None

    # -- hooks for scripts -----------------------------------------------------------------
    def setup(self, assets: Assets) -> None:
        """Build layers and place the camera (once, before the first frame)."""

    def update(self, frame: FrameState) -> None:
        """Change uniforms, camera, time steps for ``frame`` (derive from ``frame.t``)."""

    def on_pointer_down(self, event: PointerEvent) -> bool | None: ...
    def on_pointer_up(self, event: PointerEvent) -> bool | None: ...
    def on_pointer_drag(self, event: PointerEvent) -> bool | None: ...

    def on_pointer_cancel(self, event: PointerEvent) -> bool | None:
        """A contact vanished without lifting (its TUIO sender went silent, the window lost
        the pointer): undo what its ``on_pointer_down`` started. No default."""

    def on_gesture(self, gesture: Gesture) -> bool | None:
        """A recognised gesture (tap, double tap, long press, drag, pinch, rotate, pan; see
        :mod:`vizkit.input.gestures`). The default moves the camera within limits; a tap that
        is not handled here is picked and handed to :meth:`on_pick`."""

    def on_scroll(self, event: ScrollEvent) -> bool | None: ...
    def on_key(self, event: KeyEvent) -> bool | None: ...

    @property
    def policy(self) -> Policy:
        """The disclosure policy of this scene's count layers: the exhibit's ``[privacy]``
        threshold when run from an exhibit folder, else vizkit's default (values below 5 are
        not shown). :meth:`add` gives it to every layer; a layer's own ``policy=`` can only
        make it stricter, and only ``Policy.off(reason)`` weakens it."""
        from vizkit.privacy import DEFAULT_POLICY

        if self.exhibit is not None and self.exhibit.min_count != DEFAULT_POLICY.k:
            return DEFAULT_POLICY.with_(k=self.exhibit.min_count)
        return DEFAULT_POLICY

    # -- layers ----------------------------------------------------------------------------
    def add(self, layer: L) -> L:
        """Add a layer (drawn in order of :attr:`Layer.draw_order`, then insertion) and bind
        the scene's :attr:`policy` to it (count layers protect their values now)."""
        if not isinstance(layer, Layer):
            raise TypeError(f"scene.add() takes a vizkit layer, got {type(layer).__name__}")
        layer.bind_policy(self.policy)
        self.layers.append(layer)
        return layer

    def remove(self, layer: Layer) -> None:
        """Remove a layer and release its GPU resources."""
        self.layers.remove(layer)
        layer.release()

    def bounds(self) -> tuple[np.ndarray, np.ndarray] | None:
        boxes = [b for b in (layer.bounds() for layer in self.layers) if b is not None]
        if not boxes:
            return None
        return (np.min([b[0] for b in boxes], axis=0), np.max([b[1] for b in boxes], axis=0))

    def ground_points(self) -> np.ndarray | None:
        """Where the layers' data stands on the ground (``Layer.ground_points``), or None
        when no layer says (frame the bounds instead)."""
        parts = [p for p in (layer.ground_points() for layer in self.layers) if p is not None]
        return np.concatenate(parts) if parts else None

    def frame_all(self, *, azimuth: float = 0.0, elevation: float = 40.0,
                  margin: float | None = None, aspect: float = 16 / 9) -> None:
        """Point the orbit at the layers' bounding box and back off until it fits.

        ``margin`` given: the distance at which the box's bounding sphere fits the vertical
        field of view, times ``margin``. ``None`` (default): the nearest distance at which the
        box's eight corners all land inside a view of ``aspect`` (width / height), with 6 %
        to spare on every side — a long, thin country fills the frame instead of a circle
        around it.
        """
        box = self.bounds()
        if box is None:
            return
        lo, hi = box
        centre = (lo + hi) / 2
        radius = float(np.linalg.norm(hi - lo)) / 2 or 1.0
        if self.orbit is None:
            self.orbit = Orbit()
        self.orbit.target = (float(centre[0]), float(centre[1]), float(lo[2]))
        self.orbit.azimuth, self.orbit.elevation = azimuth, elevation
        self.orbit.scene_radius = radius
        sphere = radius / math.sin(math.radians(self.camera.fov_y) / 2)
        if margin is not None:
            self.orbit.distance = margin * sphere
            return
        corners = np.array([[x, y, z, 1.0] for x in (lo[0], hi[0]) for y in (lo[1], hi[1])
                            for z in (lo[2], hi[2])])

        def fits(distance: float) -> bool:
            self.orbit.distance = distance
            self.orbit.apply(self.camera)
            clip = corners @ (self.camera.projection_matrix(aspect)
                              @ self.camera.view_matrix()).T
            if (clip[:, 3] <= 0).any():
                return False
            return bool((np.abs(clip[:, :2] / clip[:, 3:]) <= 0.94).all())

        near, far = 0.05 * sphere, 1.5 * sphere   # the sphere's fit always holds the box
        for _ in range(40):
            middle = 0.5 * (near + far)
            near, far = (near, middle) if fits(middle) else (middle, far)
        self.orbit.distance = far

    # -- running ---------------------------------------------------------------------------
    def ensure_setup(self) -> None:
        if not self._is_set_up:
            self._is_set_up = True
            self.setup(self.assets)

    def advance(self, frame: FrameState) -> None:
        """Run ``setup`` if needed, then ``update(frame)``, then place the camera (where a
        visitor put it, while the hand-over rule says so)."""
        self.ensure_setup()
        before = self.interaction.before_update(self.orbit)
        self.update(frame)
        for layer in self.layers:
            layer.set_time(frame.t)
        self.interaction.after_update(self.orbit, before)
        self._apply_language()
        if self.orbit is not None:
            self.orbit.apply(self.camera)

    def view_state(self, size: tuple[int, int], frame: FrameState,
                   pass_name: str = "color") -> ViewState:
        """The camera's view for a viewport of ``size`` pixels."""
        return ViewState(view=self.camera.view_matrix(),
                         projection=self.camera.projection_matrix(size[0] / size[1]),
                         eye=self.camera.position, viewport=size, frame=frame,
                         pass_name=pass_name,
                         viewing=Viewing.flat(size[1], self.view_height_deg))

    def dispatch(self, handler: str, event: Any) -> bool:
        """Call a script's handler; unless it returns ``HANDLED``, run the default action."""
        result = getattr(self, handler)(event)
        if result is HANDLED:
            return True
        default: Callable[[Any], bool] | None = getattr(self, f"_default_{handler}", None)
        return bool(default(event)) if default else False

    # -- default interaction --------------------------------------------------------------
    @property
    def navigator(self) -> OrbitNavigator | None:
        """The navigator that moves :attr:`orbit` for gestures and the wheel, within the limits
        of :attr:`navigation` around the layers' bounds (``None`` without an orbit). The eye
        stays above every layer that has ``heights_at(x, y)`` (terrains)."""
        orbit = self.orbit
        if orbit is None:
            return None
        box = self.bounds()
        if box is not None:
            lo, hi = box
            centre = (float(lo[0] + hi[0]) / 2, float(lo[1] + hi[1]) / 2, float(lo[2]))
            radius = orbit.scene_radius or float(np.linalg.norm(hi - lo)) / 2 or 1.0
        else:
            centre = tuple(float(v) for v in orbit.target)  # type: ignore[assignment]
            radius = orbit.scene_radius or max(orbit.distance, 1e-3)
        grounds = [layer for layer in self.layers if callable(getattr(layer, "heights_at", None))]
        return self.interaction.attach(
            orbit, radius=radius, centre=centre, fov_y=self.camera.fov_y,
            ground_height=self._ground_height(grounds) if grounds else None)

    @staticmethod
    def _ground_height(grounds: list[Layer]) -> Callable[[float, float], float]:
        def height(x: float, y: float) -> float:
            return max(float(np.asarray(layer.heights_at([x], [y])).reshape(-1)[0])  # type: ignore[attr-defined]
                       for layer in grounds)
        return height

    def _default_on_gesture(self, gesture: Gesture) -> bool:
        navigator = self.navigator
        return navigator is not None and self.interaction.gesture(gesture,
                                                                  navigator) is not None
    # -- words on screen (docs/text.md) -------------------------------------------------------
    @property
    def words(self) -> SceneWords:
        """The scene's languages and string table (loaded on first use)."""
        if self._words is None:
            from vizkit.text.scene_words import words_for

            exhibit = self.exhibit
            spoken = getattr(exhibit, "languages", None) if exhibit is not None else None
            first = self._wanted_language or (getattr(exhibit, "language", None)
                                              if exhibit is not None else None)
            where = str(exhibit.folder / "exhibit.toml") if exhibit is not None else "scene"
            self._words = words_for(type(self), self.strings_file, spoken,
                                    first or self.default_language, where)
        return self._words

    @property
    def language(self) -> str:
        """The code of the language shown (``"sv"``, ``"en"``)."""
        return self.words.current.code

    def set_language(self, code: str) -> None:
        """Show every string in language ``code`` from the next frame on (one of the scene's
        languages; anything else is an error naming the languages it speaks)."""
        if self._words is None:
            self._wanted_language = code
        self.words.set(code)
        self._apply_language()

    def next_language(self) -> str:
        """Switch to the next language the scene speaks; returns its code."""
        language = self.words.next()
        self._apply_language()
        return language.code

    def tr(self, key: str, **params: object) -> Msg:
        """A message of the scene's string table, shown in the language in use (switching the
        language changes it on screen): ``vizkit.Caption(self.tr("title"))``."""
        return self.words.message(key, **params)

    def _apply_language(self) -> None:
        language = self.words.current
        for layer in self.layers:
            if getattr(layer, "language", language) is not language and hasattr(
                    layer, "set_language"):
                layer.set_language(language)  # type: ignore[attr-defined]

    def hud_at(self, x: float, y: float, size: tuple[int, int]) -> HudHit | None:
        """The HUD widget region under pixel ``(x, y)`` (y down) of a ``size`` view, or None
        over the scene: how input routes a tap to the scrubber or the language button before
        it becomes a pick."""
        from vizkit.layers.hud import hud_at

        if not self.hud_visible:
            return None
        return hud_at(self.layers, x, y, size, Viewing.flat(size[1], self.view_height_deg))

    def on_pick(self, record: PickRecord | None) -> bool | None:
        """A tap or click picked ``record`` (None: it hit nothing). The default opens the
        scene's info card on the record and closes it on a tap elsewhere; override to do more
        (return ``vizkit.HANDLED`` to skip the default)."""

    def _default_on_pick(self, record: PickRecord | None) -> bool:
        from vizkit.layers.hud_widgets import InfoCard

        cards = [layer for layer in self.layers if isinstance(layer, InfoCard)]
        for card in cards:
            if record is None or not card.layer_of(record):
                card.close()
            else:
                card.open(record)
        return bool(cards)

    def _default_on_key(self, event: KeyEvent) -> bool:
        if event.key == "l" and len(self.words.languages) > 1:  # the language key
            self.next_language()
            return True
        return False

    def _default_on_scroll(self, event: ScrollEvent) -> bool:
        navigator = self.navigator
        if navigator is None:
            return False
        self.interaction.wheel(event.steps, navigator, source=getattr(event, "source", "mouse"),
                               per_step=self.orbit.zoom_per_scroll)  # type: ignore[union-attr]
        return True

    # -- convenience -----------------------------------------------------------------------
    def snapshot(self, t: float = 0.0, size: tuple[int, int] = (960, 540),
                 samples: int | None = None, quality: str | None = None) -> Image:
        """Render the scene at time ``t`` offscreen and return the image (inline in Jupyter).

        ``quality`` is a preset (``"kiosk"``, ``"laptop"`` — the default — or ``"draft"``);
        ``samples`` overrides its MSAA. The offscreen context is created on first use and
        owned by this scene until :meth:`release`.
        """
        from vizkit.targets.offscreen import OffscreenRenderer

        if self._offscreen is not None and quality is not None and (
                quality != self._offscreen.renderer.quality.name):
            self._offscreen.release()
            self._offscreen = None
        if self._offscreen is None:
            self._offscreen = OffscreenRenderer(size, samples=samples, quality=quality)
        else:
            self._offscreen.resize(size, samples=samples)
        return self._offscreen.render(self, FrameState(t, 1.0 / self.fps, round(t * self.fps)))

    def release(self) -> None:
        """Release every layer's GPU resources (and the snapshot context, if any)."""
        for layer in self.layers:
            layer.release()
        if self._offscreen is not None:
            self._offscreen.release()
            self._offscreen = None
