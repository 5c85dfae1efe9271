"""Render targets: colour + depth attachments, optional MSAA, read-back to numpy; the scene
target the world layers draw linear light into (:class:`SceneTarget`) and the bloom chain.

With ``samples > 0`` the scene is drawn into multisampled renderbuffers and resolved into a
single-sampled texture before reading; the resolved texture is what a dome pass or a window
blit samples. Read-back returns ``(H, W, 4) uint8`` with row 0 at the *top* of the image.
"""

from __future__ import annotations

import moderngl
import numpy as np

from vizkit.gpu.context import GpuContext

GL_SRGB8_ALPHA8 = 0x8C43
GL_FRAMEBUFFER_SRGB = 0x8DB9


def is_srgb(framebuffer: moderngl.Framebuffer) -> bool:
    """True for the framebuffers of an sRGB :class:`RenderTarget` (8-bit, the GL encodes linear
    light written with :func:`srgb_writes` active; raw display values otherwise)."""
    extra = getattr(framebuffer, "extra", None)
    return isinstance(extra, dict) and bool(extra.get("srgb"))


class RenderTarget:
    """An offscreen framebuffer of a fixed size (re-create it to resize).

    ``srgb``: 8-bit sRGB storage (``GL_SRGB8_ALPHA8``) — what the final pass writes linear light
    into, letting the GL encode it; reading back returns the stored display values, and layers
    that draw display values (the HUD) write them unchanged while sRGB writes are off.
    """

    def __init__(self, gpu: GpuContext, size: tuple[int, int], samples: int = 0, *,
                 srgb: bool = False):
        width, height = size
        if width < 1 or height < 1:
            raise ValueError(f"render target size must be positive, got {width}x{height}")
        limit = gpu.max_samples
        self.samples = min(samples, limit) if samples > 1 else 0
        self.size = (int(width), int(height))
        self.gpu = gpu
        gpu.make_current()
        self._group = gpu.group(f"RenderTarget{self.size}")
        ctx = gpu.ctx
        own = self._group.own
        self.srgb = bool(srgb)
        internal = GL_SRGB8_ALPHA8 if srgb else None
        self.color = own(ctx.texture(self.size, 4, internal_format=internal))
        self.color.filter = (moderngl.LINEAR, moderngl.LINEAR)
        self.depth = own(ctx.depth_renderbuffer(self.size))
        self.resolved = own(ctx.framebuffer([self.color], self.depth))
        # Colour only, for blits to a window: depth formats rarely match the window's.
        self.color_only = own(ctx.framebuffer([self.color]))
        if self.samples:
            self._ms_color = own(ctx.texture(self.size, 4, samples=self.samples,
                                             internal_format=internal, renderbuffer=True))
            self._ms_depth = own(ctx.depth_renderbuffer(self.size, samples=self.samples))
            self.framebuffer = own(ctx.framebuffer([self._ms_color], self._ms_depth))
        else:
            self.framebuffer = self.resolved
        for framebuffer in (self.framebuffer, self.resolved, self.color_only):
            framebuffer.extra = {"srgb": self.srgb}

    @property
    def aspect(self) -> float:
        return self.size[0] / self.size[1]

    def resolve(self) -> None:
        """Copy the multisampled image into :attr:`color` (no-op without MSAA)."""
        if self.samples:
            self.gpu.make_current()
            self.gpu.ctx.copy_framebuffer(self.resolved, self.framebuffer)

    def read(self) -> np.ndarray:
        """The image as ``(H, W, 4) uint8``, top row first."""
        self.resolve()
        self.gpu.make_current()
        raw = self.resolved.read(components=4, alignment=1)
        image = np.frombuffer(raw, dtype=np.uint8).reshape(self.size[1], self.size[0], 4)
        return image[::-1].copy()

    def read_to_buffer(self, buffer: moderngl.Buffer) -> None:
        """Start reading the image into a pixel-pack ``buffer`` (at least W·H·4 bytes): the same
        pixels as :meth:`read`, RGBA uint8 with the *bottom* row first (GL order), and no wait
        for the GPU — :class:`vizkit.gpu.readback.PixelPackRing` collects it a frame later."""
        self.resolve()
        self.gpu.make_current()
        self.resolved.read_into(buffer, components=4, alignment=1)

    def release(self) -> None:
        self._group.release()


#: scene-target storage (vizkit.look.PRECISIONS) → (moderngl dtype, internal format)
STORAGE = {"f4": ("f4", None), "f2": ("f2", None), "u1": ("f1", GL_SRGB8_ALPHA8)}


class SceneTarget:
    """Where the world layers draw: linear light, with depth, optionally multisampled.

    ``precision`` is ``"f4"`` (RGBA32F), ``"f2"`` (RGBA16F) or ``"u1"`` (8-bit sRGB: the GL
    encodes on write and decodes on read, so shaders still see linear light, but nothing above
    white survives). Draw into :attr:`framebuffer` (with :func:`srgb_writes` around it for
    ``"u1"``), then :meth:`resolve`: :attr:`color` holds the single-sampled picture and
    :attr:`depth` its depth (a texture, for fog), :attr:`resolved` both.
    """

    def __init__(self, gpu: GpuContext, size: tuple[int, int], samples: int = 0,
                 precision: str = "f2"):
        width, height = size
        if width < 1 or height < 1:
            raise ValueError(f"scene target size must be positive, got {width}x{height}")
        if precision not in STORAGE:
            raise ValueError(f"scene target precision must be one of {tuple(STORAGE)}, got "
                             f"{precision!r}")
        self.size, self.precision, self.gpu = (int(width), int(height)), precision, gpu
        self.samples = min(samples, gpu.max_samples) if samples > 1 else 0
        gpu.make_current()
        self._group = gpu.group(f"SceneTarget{self.size}")
        ctx, own = gpu.ctx, self._group.own
        dtype, internal = STORAGE[precision]
        self.color = own(ctx.texture(self.size, 4, dtype=dtype, internal_format=internal))
        self.color.filter = (moderngl.LINEAR, moderngl.LINEAR)
        self.color.repeat_x = self.color.repeat_y = False
        self.depth = own(ctx.depth_texture(self.size))
        self.resolved = own(ctx.framebuffer([self.color], self.depth))
        self.color_only = own(ctx.framebuffer([self.color]))
        if self.samples:
            ms_color = own(ctx.texture(self.size, 4, samples=self.samples, dtype=dtype,
                                       internal_format=internal, renderbuffer=True))
            ms_depth = own(ctx.depth_texture(self.size, samples=self.samples,
                                             renderbuffer=True))
            self.framebuffer = own(ctx.framebuffer([ms_color], ms_depth))
        else:
            self.framebuffer = self.resolved

    @property
    def srgb(self) -> bool:
        """8-bit sRGB storage: draw with :func:`srgb_writes`."""
        return self.precision == "u1"

    def resolve(self, depth: bool = False) -> None:
        """Average the samples into :attr:`color`, and into :attr:`depth` when ``depth`` (only
        fog reads it: a full-screen copy saved otherwise); no-op without MSAA."""
        if self.samples:
            self.gpu.ctx.copy_framebuffer(self.resolved if depth else self.color_only,
                                          self.framebuffer)

    def release(self) -> None:
        self._group.release()


class srgb_writes:  # noqa: N801 - used as a statement: ``with srgb_writes(ctx, on):``
    """Context manager: the GL encodes linear light to sRGB when writing to (and decodes when
    blending with) an sRGB target while it is active — ``GL_FRAMEBUFFER_SRGB``."""

    def __init__(self, ctx: moderngl.Context, active: bool = True):
        self.ctx, self.active = ctx, active

    def __enter__(self) -> None:
        if self.active:
            self.ctx.enable_direct(GL_FRAMEBUFFER_SRGB)

    def __exit__(self, *exc: object) -> None:
        if self.active:
            self.ctx.disable_direct(GL_FRAMEBUFFER_SRGB)


class BloomChain:
    """Textures of the bloom passes for one frame size: ``levels`` halvings (each an RGBA16F
    texture and its framebuffer) and a spare texture of the smallest size for the separable
    blur's first direction."""

    def __init__(self, gpu: GpuContext, size: tuple[int, int], levels: int):
        self.size, self.levels = (int(size[0]), int(size[1])), int(levels)
        gpu.make_current()
        self._group = gpu.group(f"BloomChain{self.size}")
        ctx, own = gpu.ctx, self._group.own
        self.textures: list[moderngl.Texture] = []
        self.framebuffers: list[moderngl.Framebuffer] = []
        width, height = self.size
        for _ in range(self.levels):
            width, height = max(1, (width + 1) // 2), max(1, (height + 1) // 2)
            texture = own(ctx.texture((width, height), 4, dtype="f2"))
            texture.filter = (moderngl.LINEAR, moderngl.LINEAR)
            texture.repeat_x = texture.repeat_y = False
            self.textures.append(texture)
            self.framebuffers.append(own(ctx.framebuffer([texture])))
        self.spare = own(ctx.texture((width, height), 4, dtype="f2"))
        self.spare.filter = (moderngl.LINEAR, moderngl.LINEAR)
        self.spare.repeat_x = self.spare.repeat_y = False
        self.spare_framebuffer = own(ctx.framebuffer([self.spare]))

    def release(self) -> None:
        self._group.release()
