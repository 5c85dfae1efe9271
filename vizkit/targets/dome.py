"""Fulldome output on the GL: draw the scene into a cubemap, resample it into a domemaster.

The geometry — the domemaster conventions, tilt, gaze, the viewer's frame, which cube faces and
rows are needed, the warp and HUD meshes — lives in :mod:`vizkit.fisheye` (GL-free);
the comfort check of camera tours in :mod:`vizkit.comfort`. This module only draws.

**How a frame is made.** Five 90° perspective views (the dome axis and four sides; the nadir face
is needed only beyond a 250° aperture and is never drawn here) are drawn with the ordinary
:class:`~vizkit.render.Renderer` — layers do not know they are on a dome. Side faces draw only the
rows the aperture reaches (half a face at 180°). Each face is copied GPU-side into a cubemap.
A warp mesh over the square (a grid whose vertices carry the direction the equidistant formula
gives; 32 px cells at 4K, :func:`~vizkit.fisheye.warp_cells`) then draws the fisheye:
per pixel, one cubemap lookup of the interpolated direction, with linear filtering and
``GL_TEXTURE_CUBE_MAP_SEAMLESS`` so face borders cannot be seen. (Trigonometry per pixel costs
more than the lookup on a software GL.) The face resolution matches the fisheye's angular
resolution at the centre of each face (``2 * size / aperture_in_radians``, about 0.64 × size at
180°).

**Light.** Each face is drawn in linear light (:meth:`Renderer.draw_linear`: sky, layers, fog)
and copied into a floating-point cubemap; the warp writes the fisheye into a floating-point
target, and the renderer's final pass (exposure, bloom, tone map, sRGB) runs once on that — so
bloom and tone map see one continuous picture and faces cannot differ at their seams. Sky and
fog are functions of the world direction and the distance from the eye, so they agree on both
sides of a seam too.

**Framing.** Unless told otherwise, the dome frames the scene's content
(:func:`vizkit.framing.dome_framing`): the viewer moves along its line of sight until the
content spans the front of the dome and the world turns so it sits on the front sweet spot.
``gaze`` (``--gaze``) sets the turn by hand; ``framing="camera"`` keeps the camera as it is.

**Text.** Faces carry their viewing geometry (``ViewState.viewing``: a face texel is a
domemaster pixel, ``fisheye``), so world labels are drawn as billboards sized in visual angle
and decluttered once per frame for all faces; the HUD image's viewing gives HUD text its size
in visual angle at the panel's corners (:mod:`vizkit.text.sizing`).

**HUD.** Layers with ``is_hud`` are not drawn into the cube. They are drawn flat into their own
image, which is laid over the dome as a panel at the front *sweet spot* (35° above the front
spring line, 60° wide, 16:9), never at the zenith.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from vizkit.clock import FrameState
from vizkit.fisheye import (
    FACE_NAMES,
    HUD_ASPECT,
    HUD_WIDTH,
    DomeError,
    DomeSpec,
    face_matrices,
    face_rows,
    face_size_for,
    hud_image_size,
    hud_panel_mesh,
    warp_cells,
    warp_mesh,
)
from vizkit.framing import dome_framing
from vizkit.gpu import GpuContext, RenderTarget
from vizkit.gpu.framebuffer import STORAGE, SceneTarget, srgb_writes
from vizkit.image import Image
from vizkit.look import Quality
from vizkit.render import Renderer
from vizkit.text.sizing import dome_face_viewing, dome_hud_viewing
from vizkit.view import ViewState

if TYPE_CHECKING:
    import moderngl

    from vizkit.camera import Camera
    from vizkit.layers.base import Layer
    from vizkit.scene import Scene

GL_TEXTURE_CUBE_MAP_SEAMLESS = 0x884F


class _LayerSubset:
    """The scene as the renderer sees it, restricted to some layers (all else is the scene's)."""

    def __init__(self, scene: Scene, layers: list[Layer]):
        self._scene = scene
        self.layers = layers

    def __getattr__(self, name: str) -> object:
        return getattr(self._scene, name)


class DomeRenderer:
    """Renders scene frames as domemaster images (offline) or into a window's framebuffer.

    Args:
        size: edge of the square domemaster in pixels.
        aperture: degrees covered edge to edge through the centre (180–230).
        tilt: forward tilt of the dome in degrees (0–30).
        gaze: degrees above the front spring line where the camera's look direction lands
            (default: from the framing; 35 = the front sweet spot).
        samples: MSAA samples for the cube faces (0 = off); default: the quality's.
        quality: a preset name or :class:`~vizkit.look.Quality` (default ``"laptop"``).
        gpu: a context to share (a window's); by default a new EGL context owned by this object.
        level: ignore the camera's pitch, keeping the world horizon on the dome horizon.
        roll: keep the camera's roll (its ``up``); off by default — domes make people sick.
        framing: ``"auto"`` (default: the viewer moves closer and the world turns so the
            content fills the front sweet spot), ``"gaze"`` (only the turn) or ``"camera"``
            (the camera as it is; the look direction ``tilt`` above the spring line).
    """

    def __init__(self, size: int = 4096, *, aperture: float = 180.0, tilt: float = 0.0,
                 gaze: float | None = None, samples: int | None = None,
                 quality: Quality | str | None = None, gpu: GpuContext | None = None,
                 level: bool = False, roll: bool = False, framing: str = "auto"):
        self.spec = DomeSpec(int(size), float(aperture), float(tilt),
                             None if gaze is None else float(gaze)).validate()
        self.level, self.roll, self.framing = level, roll, framing
        dome_framing(None, None, self.spec, framing=framing)  # type: ignore[arg-type] # check
        self._owns_gpu = gpu is None
        self.gpu = gpu or GpuContext.offscreen()
        self.gpu.make_current()
        self.renderer = Renderer(self.gpu, quality, samples=samples)
        self.face_size = face_size_for(self.spec.size, self.spec.aperture)
        limit = int(self.gpu.ctx.info.get("GL_MAX_CUBE_MAP_TEXTURE_SIZE", 16384))
        if self.face_size > limit:
            raise DomeError(f"--dome {self.spec.size}: needs {self.face_size}² cube faces, "
                            f"this GL allows {limit}²")
        self.rows = face_rows(self.face_size, self.spec.aperture)
        self.samples = self.renderer.samples
        self._group = self.gpu.group(f"DomeRenderer{self.spec.size}")
        self._fisheye: SceneTarget | None = None
        self._output: RenderTarget | None = None
        self._hud: RenderTarget | None = None
        try:
            self._create_resources()
        except Exception:
            self.release()
            raise

    def _create_resources(self) -> None:
        ctx, own, f = self.gpu.ctx, self._group.own, self.face_size
        self._dtype, internal = STORAGE[self.renderer.quality.precision]
        self.cube = own(ctx.texture_cube((f, f), 4, dtype=self._dtype,
                                         internal_format=internal))
        self.cube.filter = (ctx.LINEAR, ctx.LINEAR)
        self._pbo = own(ctx.buffer(reserve=f * f * 4 * int(self._dtype[1])))
        gpu, group = self.gpu, self._group
        self._program = gpu.program("dome/fisheye.vert", "dome/fisheye.frag")
        vertices, indices = warp_mesh(self.spec.aperture, warp_cells(self.spec.size))
        self._vao = gpu.vertex_array(
            group, self._program,
            [(gpu.buffer(group, vertices), "2f 3f", "a_position", "a_direction")],
            index_buffer=gpu.buffer(group, indices))
        self._hud_program = gpu.program("dome/hud_panel.vert", "dome/hud_panel.frag")
        vertices, indices = hud_panel_mesh(self.spec.aperture)
        self._hud_vao = gpu.vertex_array(
            group, self._hud_program,
            [(gpu.buffer(group, vertices), "2f 2f", "a_position", "a_uv")],
            index_buffer=gpu.buffer(group, indices))

    @classmethod
    def from_spec(cls, spec: DomeSpec, **options: object) -> DomeRenderer:
        """A renderer for a domemaster format (``options``: samples, quality, gpu, level,
        roll, framing)."""
        return cls(spec.size, aperture=spec.aperture, tilt=spec.tilt, gaze=spec.gaze,
                   **options)  # type: ignore[arg-type]

    # -- facts -----------------------------------------------------------------------------
    @property
    def size(self) -> tuple[int, int]:
        return (self.spec.size, self.spec.size)

    @property
    def output(self) -> RenderTarget:
        """The square target :meth:`draw` fills when given no framebuffer."""
        if self._output is None:
            self._output = RenderTarget(self.gpu, self.size, 0, srgb=True)
        return self._output

    @property
    def fisheye(self) -> SceneTarget:
        """The square floating-point target the warp fills before the final pass."""
        if self._fisheye is None:
            self._fisheye = SceneTarget(self.gpu, self.size, 0,
                                        self.renderer.quality.precision)
        return self._fisheye

    @property
    def faces(self) -> list[str]:
        """Names of the cube faces drawn per frame."""
        return [FACE_NAMES[i] for i in sorted(self.rows)]

    # -- drawing ---------------------------------------------------------------------------
    def viewer(self, scene: Scene) -> tuple[Camera, float]:
        """The dome's viewer and gaze for ``scene`` as it stands (see ``framing``)."""
        points = scene.ground_points() if hasattr(scene, "ground_points") else None
        return dome_framing(scene.camera, scene.bounds(), self.spec, framing=self.framing,
                            level=self.level, roll=self.roll, points=points)

    def face_views(self, camera: Camera, frame: FrameState,
                   gaze: float | None = None) -> list[tuple[int, int, ViewState]]:
        """``(GL face, rows, view)`` for every face drawn, from the camera's viewer basis
        (``gaze``: degrees above the front spring line; default the spec's)."""
        eye = tuple(float(v) for v in camera.position)
        seen = dome_face_viewing(self.spec.size, self.spec.aperture)  # labels: by angle
        return [(face, self.rows[face], ViewState(
                    view=view, projection=projection, eye=eye,  # type: ignore[arg-type]
                    viewport=(self.face_size, self.rows[face]), frame=frame, viewing=seen,
                    angular=True))
                for face, view, projection in face_matrices(
                    camera, self.spec, self.face_size, self.rows, level=self.level,
                    roll=self.roll, gaze=gaze)]

    def draw(self, scene: Scene, frame: FrameState,
             framebuffer: moderngl.Framebuffer | None = None,
             viewport: tuple[int, int, int, int] | None = None, *,
             advance: bool = True) -> None:
        """Draw one domemaster frame.

        Args:
            scene: the scene; advanced to ``frame`` first unless ``advance`` is false.
            framebuffer: where the fisheye goes (default: this renderer's output target).
            viewport: ``(x, y, w, h)`` square inside ``framebuffer`` (default: all of it).
        """
        self.gpu.make_current()
        if advance:
            scene.advance(frame)
        world = [layer for layer in scene.layers if not layer.is_hud]
        hud = [layer for layer in scene.layers
               if layer.is_hud and layer.visible and scene.hud_visible]
        viewer, gaze = self.viewer(scene)
        self._draw_faces(_LayerSubset(scene, world), viewer, gaze, frame)
        hud_texture = self._draw_hud(_LayerSubset(scene, hud), scene, frame) if hud else None
        if framebuffer is None:
            framebuffer, viewport = self.output.framebuffer, (0, 0, *self.size)
        elif viewport is None:
            viewport = (0, 0, *framebuffer.size)
        self._resample()
        self.renderer.finish(scene, self.fisheye.color, framebuffer, viewport)
        self._lay_hud(framebuffer, viewport, hud_texture)

    def render(self, scene: Scene, frame: FrameState) -> Image:
        """Advance, draw and read back one domemaster frame."""
        self.draw(scene, frame)
        return Image(self.output.read())

    def _draw_faces(self, scene: _LayerSubset, camera: Camera, gaze: float,
                    frame: FrameState) -> None:
        f = self.face_size
        for face, rows, view in self.face_views(camera, frame, gaze):
            target = self.renderer.draw_linear(scene, view)  # type: ignore[arg-type]
            target.color_only.read_into(self._pbo, viewport=(0, 0, f, rows), components=4,
                                        alignment=1, dtype=self._dtype)
            self.cube.write(face, self._pbo, viewport=(0, f - rows, f, rows), alignment=1)

    def _draw_hud(self, hud: _LayerSubset, scene: Scene,
                  frame: FrameState) -> moderngl.Texture:
        size = hud_image_size(self.spec)
        if self._hud is None or self._hud.size != size:
            if self._hud is not None:
                self._hud.release()
            self._hud = RenderTarget(self.gpu, size, self.samples)
        view = dataclasses.replace(scene.view_state(size, frame), viewing=dome_hud_viewing(
            size[0], HUD_WIDTH, HUD_ASPECT))  # text sized in visual angle on the dome
        framebuffer = self._hud.framebuffer
        with self.gpu.ctx.scope(framebuffer):
            framebuffer.clear(0.0, 0.0, 0.0, 0.0, depth=1.0)
        self.renderer.draw(hud, framebuffer, view, clear=False)  # type: ignore[arg-type]
        self._hud.resolve()
        return self._hud.color

    def _resample(self) -> None:
        """The warp: the cubemap's linear light → the square fisheye target."""
        ctx, target = self.gpu.ctx, self.fisheye
        viewport = (0, 0, *self.size)
        self._program.set(t_cube=0, u_viewport=tuple(float(v) for v in viewport))
        framebuffer = target.framebuffer
        with ctx.scope(framebuffer, enable_only=ctx.NOTHING), srgb_writes(ctx, target.srgb):
            framebuffer.viewport = viewport
            framebuffer.clear(0.0, 0.0, 0.0, 1.0)  # corners: no mesh there
            self.cube.use(0)
            ctx.enable_direct(GL_TEXTURE_CUBE_MAP_SEAMLESS)
            try:
                self._vao.render(ctx.TRIANGLES)
            finally:
                ctx.disable_direct(GL_TEXTURE_CUBE_MAP_SEAMLESS)

    def _lay_hud(self, framebuffer: moderngl.Framebuffer, viewport: tuple[int, int, int, int],
                 hud: moderngl.Texture | None) -> None:
        """The HUD image over the 8-bit domemaster, only where the panel is."""
        if hud is None:
            return
        ctx = self.gpu.ctx
        with ctx.scope(framebuffer, enable_only=ctx.BLEND):  # premultiplied "over"
            framebuffer.viewport = viewport
            self._hud_program.set(t_hud=0)
            hud.use(0)
            ctx.blend_func = ctx.ONE, ctx.ONE_MINUS_SRC_ALPHA
            try:
                self._hud_vao.render(ctx.TRIANGLES)
            finally:
                ctx.blend_func = ctx.SRC_ALPHA, ctx.ONE_MINUS_SRC_ALPHA  # moderngl's default

    def release(self) -> None:
        """Release every GL object (and the context when this renderer created it)."""
        for target in (self._fisheye, self._output, self._hud):
            if target is not None:
                target.release()
        self._fisheye = self._output = self._hud = None
        self.renderer.release()
        self._group.release()
        if self._owns_gpu:  # once: release() is safe to call twice
            self._owns_gpu = False
            self.gpu.release()
