"""Interactive window through pyglet, with moderngl attached to pyglet's GL context.

The window owns the clock (fixed steps following wall time), turns mouse and keyboard input into
vizkit events, and keeps running when a scene's ``update`` raises: it logs the error once, shows
the last good frame, and carries on — an exhibit must not die from bad input.
"""

from __future__ import annotations

import logging

from vizkit.clock import Clock
from vizkit.events import KeyEvent, PointerEvent, ScrollEvent
from vizkit.gpu import GpuContext, RenderTarget
from vizkit.gpu.context import NoDisplayError, display_available
from vizkit.image import Image
from vizkit.render import Renderer
from vizkit.scene import Scene

log = logging.getLogger("vizkit.window")


def run_window(scene: Scene, *, size: tuple[int, int] = (1280, 720),
               fullscreen: bool = False, max_frames: int | None = None,
               screenshot: str | None = None, samples: int = 4) -> int:
    """Open a window showing ``scene`` until it is closed (or ``max_frames`` were drawn).

    With ``max_frames`` and ``screenshot``, the last frame is saved as a PNG (smoke tests).
    """
    if not display_available():
        raise NoDisplayError("no display found (DISPLAY is not set)")
    import pyglet

    config = pyglet.gl.Config(major_version=3, minor_version=3, forward_compatible=True,
                              depth_size=24, double_buffer=True)
    try:
        window = pyglet.window.Window(size[0], size[1], caption=scene.title or "vizkit",
                                      resizable=True, fullscreen=fullscreen, config=config)
    except Exception as exc:  # pyglet raises several unrelated types when no display works
        raise NoDisplayError(f"could not open a window: {exc}") from None
    gpu = GpuContext.from_current()
    renderer = Renderer(gpu)
    clock = Clock(scene.fps)
    state = {"frames": 0, "last_error": ""}
    # The scene is drawn into an offscreen target (MSAA whatever the window's config) and
    # copied to the window: one code path for screen, screenshots and (later) dome resampling.
    targets: dict[str, RenderTarget | None] = {"scene": None}
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
        if targets["scene"] is None or targets["scene"].size != tuple(size):
            if targets["scene"] is not None:
                targets["scene"].release()
            targets["scene"] = RenderTarget(gpu, size, samples)
        target = targets["scene"]
        renderer.draw(scene, target.framebuffer, scene.view_state(target.size, frame))
        target.resolve()
        gpu.ctx.copy_framebuffer(gpu.ctx.detect_framebuffer(), target.color_only)
        state["frames"] += 1
        if max_frames is not None and state["frames"] >= max_frames:
            if screenshot is not None:
                Image(target.read()).save(screenshot)
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
    gpu.release()
    window.close()
    return 0

