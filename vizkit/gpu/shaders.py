"""Shader sources shipped inside the package: loading, ``#include``, defines, readable errors.

Shaders live in ``vizkit/shaders/<layer>/*.vert|*.frag`` and ``vizkit/shaders/lib/*.glsl`` and are
read through :mod:`importlib.resources`, so a non-editable install works. The preprocessor is
deliberately tiny:

* ``#include "lib/colormap.glsl"`` pastes a file (paths relative to the shaders root), once per
  program, with cycle detection;
* ``defines={"CONTOURS": 1}`` become ``#define`` lines after ``#version``;
* every pasted file is preceded by a ``#line 1 <n>`` directive so the GLSL compiler reports
  ``<n>:<line>``; :class:`ShaderError` maps ``n`` back to the file name, so a compile error reads
  ``terrain/terrain.vert:42: error: ...``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import moderngl
import numpy as np

SHADER_ROOT = "vizkit.shaders"
_INCLUDE = re.compile(r'^\s*#include\s+"([^"]+)"\s*$')
_VERSION = re.compile(r"^\s*#version\b")
# Mesa: "0:12(5): error: ..." ; NVIDIA: "0(12) : error ..."
_MESA_LOC = re.compile(r"(\d+):(\d+)\(\d+\)")
_NV_LOC = re.compile(r"(\d+)\((\d+)\)")


class ShaderError(RuntimeError):
    """A shader failed to load, preprocess, compile or link; the message names file and line."""


def read_shader_file(name: str) -> str:
    """Return the text of ``vizkit/shaders/<name>``; raise :class:`ShaderError` if missing."""
    path = resources.files(SHADER_ROOT).joinpath(name)
    try:
        return path.read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError):
        raise ShaderError(f"shader file not found: vizkit/shaders/{name}") from None


@dataclass
class ShaderSource:
    """One preprocessed shader stage and the map from GLSL source-string numbers to files."""

    name: str
    text: str
    files: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, name: str, defines: Mapping[str, object] | None = None,
             reader: Any = read_shader_file) -> ShaderSource:
        """Read ``name`` (relative to the shaders root), resolve includes, insert defines."""
        files: list[str] = []
        lines = cls._expand(name, reader, files, stack=())
        define_lines = [f"#define {k} {v}" for k, v in (defines or {}).items()]
        for i, line in enumerate(lines):
            if _VERSION.match(line):
                lines[i + 1:i + 1] = [*define_lines, "#line 2 0"] if define_lines else []
                break
        else:
            raise ShaderError(f"{name}:1: the shader has no #version line")
        return cls(name, "\n".join(lines) + "\n", files)

    @classmethod
    def _expand(cls, name: str, reader: Any, files: list[str],
                stack: tuple[str, ...]) -> list[str]:
        if name in stack:
            chain = " -> ".join([*stack, name])
            raise ShaderError(f"{stack[-1]}: circular #include: {chain}")
        if name in files:  # included once per program, like #pragma once
            return []
        index = len(files)
        files.append(name)
        out: list[str] = [] if index == 0 else [f"#line 1 {index}"]
        for number, line in enumerate(reader(name).splitlines(), start=1):
            match = _INCLUDE.match(line)
            if match:
                try:
                    out.extend(cls._expand(match.group(1), reader, files, (*stack, name)))
                except ShaderError as exc:
                    if "not found" in str(exc):
                        raise ShaderError(f"{name}:{number}: #include: {exc}") from None
                    raise
                out.append(f"#line {number + 1} {index}")
            else:
                out.append(line)
        return out

    def explain(self, log: str) -> str:
        """Rewrite compiler locations ``<n>:<line>`` as ``<file>:<line>``."""
        out = []
        for raw in log.strip().splitlines():
            match = _MESA_LOC.search(raw) or _NV_LOC.search(raw)
            if match:
                n, line = int(match.group(1)), int(match.group(2))
                file = self.files[n] if n < len(self.files) else self.name
                rest = raw[match.end():].lstrip(": ")
                out.append(f"vizkit/shaders/{file}:{line}: {rest}")
            else:
                out.append(raw)
        return "\n".join(out)


class Program:
    """A linked program plus the sources it came from, with strict, named uniform setters."""

    def __init__(self, glprog: moderngl.Program, sources: list[ShaderSource]):
        self.gl = glprog
        self.sources = sources
        self.label = " + ".join(s.name for s in sources)
        self._declared = "\n".join(s.text for s in sources)

    def set(self, **uniforms: object) -> None:
        """Set uniforms by their GLSL names (``u_*``, ``t_*``). Free per frame.

        A name the program optimised away is ignored; a name no source declares raises, so a
        typo in Python fails loudly instead of leaving a uniform at zero.
        """
        for name, value in uniforms.items():
            member = self.gl.get(name, None) if hasattr(self.gl, "get") else None
            if member is None:
                try:
                    member = self.gl[name]
                except KeyError:
                    member = None
            if member is None:
                if re.search(rf"\b{re.escape(name)}\b", self._declared):
                    continue
                raise ShaderError(f"{self.label}: no uniform named {name!r}")
            if isinstance(value, np.ndarray):
                member.write(np.ascontiguousarray(value, dtype=_uniform_dtype(member)).tobytes())
            else:
                member.value = value

    def release(self) -> None:
        self.gl.release()


def _uniform_dtype(member: Any) -> str:
    fmt = getattr(member, "fmt", "f") or "f"
    return "i4" if fmt.endswith("i") else "u4" if fmt.endswith("I") else "f4"


def compile_program(ctx: moderngl.Context, vertex: str, fragment: str | None = None,
                    defines: Mapping[str, object] | None = None,
                    varyings: tuple[str, ...] = ()) -> Program:
    """Load, preprocess and link a program from package shader files."""
    vs = ShaderSource.load(vertex, defines)
    fs = ShaderSource.load(fragment, defines) if fragment else None
    try:
        glprog = ctx.program(vertex_shader=vs.text, fragment_shader=fs.text if fs else None,
                             varyings=varyings)
    except moderngl.Error as exc:
        message = str(exc)
        stage = fs if fs is not None and "fragment_shader" in message else vs
        detail = message.split("\n", 2)[-1] if "\n" in message else message
        raise ShaderError(
            f"shader compile/link failed ({stage.name}):\n{stage.explain(detail)}"
        ) from None
    return Program(glprog, [s for s in (vs, fs) if s is not None])
