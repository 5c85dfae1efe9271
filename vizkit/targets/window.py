"""Interactive window through pyglet, with moderngl attached to pyglet's GL context.

The window is a thin target on the :class:`~vizkit.targets.live.LiveLoop`: the loop owns the
clock (fixed steps following wall time), the inputs, gestures, camera and picks, and keeps
running when a scene's ``update`` raises (logged once; the last good frame stays on screen) —
an exhibit must not die from bad input. The window turns pyglet's mouse into contacts
(``source="mouse"``, id 0, with down/move/up phases; a lost focus cancels a held button),
passes the wheel and keys on, and draws.

OS multi-touch: pyglet 2.1 reports no touch events on X11 (nor Wayland); its evdev backend
reads joysticks and tablets, not multi-touch slots. Touch screens on Linux reach vizkit through
``vizkit.input.evdev_touch`` (the exhibit's ``touch`` source) or a TUIO tracker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from vizkit.events import KeyEvent, ScrollEvent
from vizkit.fisheye import DomeSpec
from vizkit.gpu import GpuContext, RenderTarget
from vizkit.gpu.context import NoDisplayError, display_available
from vizkit.image import Image
from vizkit.input.model import InputEvent, Phase
from vizkit.render import Renderer
from vizkit.targets.dome import DomeRenderer
from vizkit.targets.live import LiveLoop

if TYPE_CHECKING:  # the scene is passed in; vizkit.scene sits above the targets
    from vizkit.input.eventlog import EventLog
    from vizkit.scene import Scene

log = logging.getLogger("vizkit.window")


def run_window(scene: Scene, *, size: tuple[int, int] = (1280, 720),
               fullscreen: bool = False, max_frames: int | None = None,
               screenshot: str | None = None, samples: int | None = None,
               dome: DomeSpec | None = None, screen: int | None = None,
               mouse: bool = True, seconds: float | None = None,
               event_log: EventLog | None = None,
               connect: Callable[[LiveLoop], None] | None = None,
               quality: str | None = None) -> int:
    """Open a window showing ``scene`` until it is closed (or ``max_frames`` were drawn, or
    ``seconds`` of wall time passed).

    With ``max_frames`` (or ``seconds``) and ``screenshot``, the last frame is saved as a PNG
    (smoke tests). With ``dome`` the window shows the domemaster (fisheye) centred on black,
    for a dome projector; ``dome.size == 0`` renders at the window's shorter side. ``screen``
    picks the monitor (0, 1, …) the window opens on — with ``fullscreen``, the projector.
    ``mouse=False`` ignores the mouse (an exhibit whose input sources leave it out);
    ``event_log`` records every event, gesture, camera intent and pick; ``connect(loop)`` adds
    input sources that need the loop's clock (TUIO listeners) once it exists. ``quality`` is a
    preset name (``"kiosk"``, ``"laptop"`` — the default — or ``"draft"``); ``samples``
    overrides its MSAA.
    """
    if not display_available():
        raise NoDisplayError("no display found (DISPLAY is not set)")
    import pyglet

    config = pyglet.gl.Config(major_version=3, minor_version=3, forward_compatible=True,
                              depth_size=24, double_buffer=True)
    placement = {}
    if screen is not None:
        screens = pyglet.display.get_display().get_screens()
        if not 0 <= screen < len(screens):
            raise NoDisplayError(f"--screen {screen}: this display has {len(screens)} "
                                 f"screen(s), numbered 0..{len(screens) - 1}")
        placement["screen"] = screens[screen]
    try:
        window = pyglet.window.Window(size[0], size[1], caption=scene.title or "vizkit",
                                      resizable=True, fullscreen=fullscreen, config=config,
                                      **placement)
    except Exception as exc:  # pyglet raises several unrelated types when no display works
        raise NoDisplayError(f"could not open a window: {exc}") from None
    gpu = GpuContext.from_current()
    renderer = Renderer(gpu, quality, samples=samples)
    loop = LiveLoop(scene, gpu=gpu, event_log=event_log)
    if connect is not None:
        connect(loop)
    clock = loop.clock
    state = {"frames": 0, "button": 0, "x": 0.0, "y": 0.0}
    # The scene is drawn into an offscreen target (MSAA in the renderer's scene target, whatever
    # the window's config) and copied to the window: one code path for screen and screenshots.
    # With ``dome`` the DomeRenderer draws the fisheye straight into the window's framebuffer.
    targets: dict[str, RenderTarget | None] = {"scene": None}
    domes: dict[str, DomeRenderer | None] = {"dome": None}
    scene.ensure_setup()

    @window.event
    def on_draw() -> None:
        size = window.get_framebuffer_size()
        frame = loop.step(size)
        if dome is not None:
            draw_dome_frame(domes, dome, gpu, scene, frame, size, samples, quality)
            finish_frame(size)
            return
        if targets["scene"] is None or targets["scene"].size != tuple(size):
            if targets["scene"] is not None:
                targets["scene"].release()
            targets["scene"] = RenderTarget(gpu, size, 0, srgb=True)
        target = targets["scene"]
        renderer.draw(scene, target.framebuffer, scene.view_state(target.size, frame))
        target.resolve()
        gpu.ctx.copy_framebuffer(gpu.ctx.detect_framebuffer(), target.color_only)
        finish_frame(None)

    def finish_frame(screen_size: tuple[int, int] | None) -> None:
        state["frames"] += 1
        done = max_frames is not None and state["frames"] >= max_frames
        if done or (seconds is not None and loop.input_time() >= seconds):
            if screenshot is not None:
                if screen_size is not None:  # dome: what the window shows, letterbox included
                    shot = RenderTarget(gpu, screen_size, 0)
                    draw_dome_frame(domes, dome, gpu, scene, clock.frame(clock.index),
                                    screen_size, samples, quality,
                                    framebuffer=shot.framebuffer)
                    Image(shot.read()).save(screenshot)
                    shot.release()
                else:
                    Image(targets["scene"].read()).save(screenshot)
            pyglet.app.exit()  # closing inside on_draw would break pyglet's window loop

    def mouse_event(phase: Phase, x: float, y: float, dx: float = 0.0,
                    dy: float = 0.0) -> InputEvent:
        """A pyglet mouse position (window units, y up) as a contact in framebuffer pixels."""
        state["x"], state["y"] = x, y
        width, height = window.get_framebuffer_size()
        sx, sy = width / max(window.width, 1), height / max(window.height, 1)
        return InputEvent.from_pixels(phase, x * sx, height - y * sy, (width, height),
                                      t=loop.input_time(), source="mouse", pointer_id=0,
                                      button=state["button"], dx=dx * sx, dy=dy * sy)

    @window.event
    def on_mouse_press(x: int, y: int, button: int, modifiers: int) -> None:
        if mouse and not state["button"]:  # one contact: the first button held
            state["button"] = button
            loop.push(mouse_event(Phase.DOWN, x, y))

    @window.event
    def on_mouse_drag(x: int, y: int, dx: int, dy: int, buttons: int, modifiers: int) -> None:
        if state["button"]:
            loop.push(mouse_event(Phase.MOVE, x, y, dx, dy))

    @window.event
    def on_mouse_release(x: int, y: int, button: int, modifiers: int) -> None:
        if state["button"] and button == state["button"]:
            loop.push(mouse_event(Phase.UP, x, y))
            state["button"] = 0

    @window.event
    def on_deactivate() -> None:  # focus lost with a button held: the contact is cancelled
        if state["button"]:
            loop.push(mouse_event(Phase.CANCEL, state["x"], state["y"]))
            state["button"] = 0

    @window.event
    def on_mouse_scroll(x: int, y: int, scroll_x: float, scroll_y: float) -> None:
        if mouse:
            height = window.get_framebuffer_size()[1]
            loop.scroll(ScrollEvent(x, height - y, scroll_y))

    @window.event
    def on_key_press(symbol: int, modifiers: int) -> bool:
        name = pyglet.window.key.symbol_string(symbol).lower()
        if loop.key(KeyEvent(name)):
            return True
        if name == "space":
            clock.paused = not clock.paused
        elif name == "f":
            window.set_fullscreen(not window.fullscreen)
        return name != "escape"  # escape falls through to pyglet: close

    pyglet.app.run(1.0 / scene.fps)
    loop.close()
    scene.release()
    renderer.release()
    if targets["scene"] is not None:
        targets["scene"].release()
    if domes["dome"] is not None:
        domes["dome"].release()
    gpu.release()
    window.close()
    return 0


def dome_viewport(size: tuple[int, int]) -> tuple[int, int, int, int]:
    """The largest centred square of a framebuffer of ``size``: where the fisheye goes."""
    width, height = size
    side = min(width, height)
    return ((width - side) // 2, (height - side) // 2, side, side)


def draw_dome_frame(domes: dict[str, DomeRenderer | None], spec: DomeSpec, gpu: GpuContext,
                    scene: Scene, frame, size: tuple[int, int], samples: int | None,
                    quality: str | None = None, framebuffer=None) -> None:
    """Draw ``scene`` (already advanced) as a fisheye centred in the window's framebuffer.

    The :class:`DomeRenderer` in ``domes["dome"]`` is created on first use and re-created when
    an automatic size (``spec.size == 0``) no longer matches the window.
    """
    viewport = dome_viewport(size)
    wanted = spec.size or max(16, viewport[2])
    dome = domes["dome"]
    if dome is None or dome.spec.size != wanted:
        if dome is not None:
            dome.release()
        dome = domes["dome"] = DomeRenderer.from_spec(replace(spec, size=wanted),
                                                      samples=samples, quality=quality,
                                                      gpu=gpu)
    screen = framebuffer if framebuffer is not None else gpu.ctx.detect_framebuffer()
    with gpu.ctx.scope(screen):
        screen.viewport = (0, 0, *size)
        screen.clear(0.0, 0.0, 0.0, 1.0)
    dome.draw(scene, frame, screen, viewport, advance=False)
