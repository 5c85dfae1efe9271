"""Interactive window through pyglet, with moderngl attached to pyglet's GL context.

The window owns the clock (fixed steps following wall time), turns mouse and keyboard input into
vizkit events, and keeps running when a scene's ``update`` raises: it logs the error once, shows
the last good frame, and carries on — an exhibit must not die from bad input.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from vizkit.clock import Clock
from vizkit.events import KeyEvent, PointerEvent, ScrollEvent
from vizkit.fisheye import DomeSpec
from vizkit.gpu import GpuContext, RenderTarget
from vizkit.gpu.context import NoDisplayError, display_available
from vizkit.image import Image
from vizkit.render import Renderer
from vizkit.targets.dome import DomeRenderer

if TYPE_CHECKING:  # the scene is passed in; vizkit.scene sits above the targets
    from vizkit.scene import Scene

log = logging.getLogger("vizkit.window")


def run_window(scene: Scene, *, size: tuple[int, int] = (1280, 720),
               fullscreen: bool = False, max_frames: int | None = None,
               screenshot: str | None = None, samples: int = 4,
               dome: DomeSpec | None = None, screen: int | None = None) -> int:
    """Open a window showing ``scene`` until it is closed (or ``max_frames`` were drawn).

    With ``max_frames`` and ``screenshot``, the last frame is saved as a PNG (smoke tests).
    With ``dome`` the window shows the domemaster (fisheye) centred on black, for a dome
    projector; ``dome.size == 0`` renders at the window's shorter side. ``screen`` picks the
    monitor (0, 1, …) the window opens on — with ``fullscreen``, the projector.
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
    renderer = Renderer(gpu)
    clock = Clock(scene.fps)
    state = {"frames": 0, "last_error": ""}
    # The scene is drawn into an offscreen target (MSAA whatever the window's config) and
    # copied to the window: one code path for the screen and screenshots. With ``dome`` the
    # DomeRenderer draws the fisheye straight into the window's framebuffer instead.
    targets: dict[str, RenderTarget | None] = {"scene": None}
    domes: dict[str, DomeRenderer | None] = {"dome": None}
    scene.ensure_setup()

    def height() -> int:
        return window.get_framebuffer_size()[1]

    @window.event
    def on_draw() -> None:
        frame = clock.tick(0.0)
        try:
            scene.advance(frame)
        except Exception as exc:  # keep the last good state on screen
            message = f"{type(exc).__name__}: {exc}"
            if message != state["last_error"]:
                log.error("scene update failed at t=%.3f: %s", frame.t, message)
                state["last_error"] = message
        size = window.get_framebuffer_size()
        if dome is not None:
            draw_dome_frame(domes, dome, gpu, scene, frame, size, samples)
            finish_frame(size)
            return
        if targets["scene"] is None or targets["scene"].size != tuple(size):
            if targets["scene"] is not None:
                targets["scene"].release()
            targets["scene"] = RenderTarget(gpu, size, samples)
        target = targets["scene"]
        renderer.draw(scene, target.framebuffer, scene.view_state(target.size, frame))
        target.resolve()
        gpu.ctx.copy_framebuffer(gpu.ctx.detect_framebuffer(), target.color_only)
        finish_frame(None)

    def finish_frame(screen_size: tuple[int, int] | None) -> None:
        state["frames"] += 1
        if max_frames is not None and state["frames"] >= max_frames:
            if screenshot is not None:
                if screen_size is not None:  # dome: what the window shows, letterbox included
                    shot = RenderTarget(gpu, screen_size, 0)
                    draw_dome_frame(domes, dome, gpu, scene, clock.frame(clock.index),
                                    screen_size, samples, framebuffer=shot.framebuffer)
                    Image(shot.read()).save(screenshot)
                    shot.release()
                else:
                    Image(targets["scene"].read()).save(screenshot)
            pyglet.app.exit()  # closing inside on_draw would break pyglet's window loop

    @window.event
    def on_mouse_press(x: int, y: int, button: int, modifiers: int) -> None:
        scene.dispatch("on_pointer_down", PointerEvent(x, height() - y, button=button))

    @window.event
    def on_mouse_release(x: int, y: int, button: int, modifiers: int) -> None:
        scene.dispatch("on_pointer_up", PointerEvent(x, height() - y, button=button))

    @window.event
    def on_mouse_drag(x: int, y: int, dx: int, dy: int, buttons: int, modifiers: int) -> None:
        scene.dispatch("on_pointer_drag", PointerEvent(x, height() - y, dx, dy, buttons))

    @window.event
    def on_mouse_scroll(x: int, y: int, scroll_x: float, scroll_y: float) -> None:
        scene.dispatch("on_scroll", ScrollEvent(x, height() - y, scroll_y))

    @window.event
    def on_key_press(symbol: int, modifiers: int) -> bool:
        name = pyglet.window.key.symbol_string(symbol).lower()
        if scene.dispatch("on_key", KeyEvent(name)):
            return True
        if name == "space":
            clock.paused = not clock.paused
        elif name == "f":
            window.set_fullscreen(not window.fullscreen)
        return name != "escape"  # escape falls through to pyglet: close

    pyglet.clock.schedule_interval(lambda dt: clock.tick(dt), 1.0 / scene.fps)
    pyglet.app.run(1.0 / scene.fps)
    scene.release()
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
                    scene: Scene, frame, size: tuple[int, int], samples: int,
                    framebuffer=None) -> None:
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
                                                      samples=samples, gpu=gpu)
    screen = framebuffer if framebuffer is not None else gpu.ctx.detect_framebuffer()
    with gpu.ctx.scope(screen):
        screen.viewport = (0, 0, *size)
        screen.clear(0.0, 0.0, 0.0, 1.0)
    dome.draw(scene, frame, screen, viewport, advance=False)
