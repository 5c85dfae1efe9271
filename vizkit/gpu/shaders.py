"""Shader sources shipped inside the package: loading, ``#include``, defines, readable errors.

Shaders live in ``vizkit/shaders/<layer>/*.vert|*.frag`` and ``vizkit/shaders/lib/*.glsl`` and are
read through :mod:`importlib.resources`, so a non-editable install works. The preprocessor is
deliberately tiny:

* ``#include "lib/colormap.glsl"`` pastes a file (paths relative to the shaders root), once per
  program, with cycle detection;
* ``defines={"CONTOURS": 1}`` become ``#define`` lines after ``#version``;
* each line of the expanded text remembers its file and line, so :class:`ShaderError` turns the
  compiler's line numbers into ``vizkit/shaders/terrain/terrain.vert:42: error: ...``.
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
    """One preprocessed shader stage and, per line of its text, the file and line it came from."""

    name: str
    text: str
    origins: list[tuple[str, int]] = field(default_factory=list)

    @property
    def files(self) -> list[str]:
        return list(dict.fromkeys(file for file, _ in self.origins))

    @classmethod
    def load(cls, name: str, defines: Mapping[str, object] | None = None,
             reader: Any = read_shader_file) -> ShaderSource:
        """Read ``name`` (relative to the shaders root), resolve includes, insert defines."""
        lines = cls._expand(name, reader, [], stack=())
        if not lines or not _VERSION.match(lines[0][0]):
            raise ShaderError(f"vizkit/shaders/{name}:1: the shader must start with #version")
        define_lines = [(f"#define {k} {v}", (name, 1)) for k, v in (defines or {}).items()]
        lines[1:1] = define_lines
        return cls(name, "\n".join(text for text, _ in lines) + "\n",
                   [origin for _, origin in lines])

    @classmethod
    def _expand(cls, name: str, reader: Any, seen: list[str],
                stack: tuple[str, ...]) -> list[tuple[str, tuple[str, int]]]:
        if name in stack:
            chain = " -> ".join([*stack, name])
            raise ShaderError(f"vizkit/shaders/{stack[-1]}: circular #include: {chain}")
        if name in seen:  # included once per program, like #pragma once
            return []
        seen.append(name)
        out: list[tuple[str, tuple[str, int]]] = []
        for number, line in enumerate(reader(name).splitlines(), start=1):
            match = _INCLUDE.match(line)
            if not match:
                out.append((line, (name, number)))
                continue
            try:
                out.extend(cls._expand(match.group(1), reader, seen, (*stack, name)))
            except ShaderError as exc:
                if "not found" in str(exc) and "#include" not in str(exc):
                    raise ShaderError(f"vizkit/shaders/{name}:{number}: #include: {exc}") from None
                raise
        return out

    def explain(self, log: str) -> str:
        """Rewrite compiler locations (line numbers of the expanded text) as ``file:line``.

        The expanded text carries no ``#line`` directives, because drivers disagree on how they
        report source-string numbers; the line map is exact whatever the driver.
        """
        out = []
        for raw in log.strip().splitlines():
            match = _MESA_LOC.search(raw) or _NV_LOC.search(raw)
            if match:
                line = int(match.group(2))
                file, original = self.origins[min(max(line, 1), len(self.origins)) - 1]
                rest = raw[match.end():].lstrip(": ")
                out.append(f"vizkit/shaders/{file}:{original}: {rest}")
            elif raw.strip() and not set(raw.strip()) <= {"="} and raw.strip() not in (
                    "vertex_shader", "fragment_shader", "geometry_shader", "GLSL Compiler failed"):
                out.append(raw)
        return "\n".join(out)


class Program:
    """A linked program plus the sources it came from, with strict, named uniform setters."""

    def __init__(self, glprog: moderngl.Program, sources: list[ShaderSource]):
        self.gl = glprog
        self.sources = sources
        self.label = " + ".join(s.name for s in sources)
        self._declared = "\n".join(s.text for s in sources)
        self._members: dict[str, Any] = {}
        self._optimised_away: set[str] = set()

    def set(self, **uniforms: object) -> None:
        """Set uniforms by their GLSL names (``u_*``, ``t_*``). Free per frame.

        A name the program optimised away is ignored; a name no source declares raises, so a
        typo in Python fails loudly instead of leaving a uniform at zero.
        """
        for name, value in uniforms.items():
            member = self._members.get(name)
            if member is None:
                if name in self._optimised_away:
                    continue
                member = self.gl.get(name, None)
                if member is None:
                    # Declared but unused: the compiler dropped it. Remember (the source search
                    # is too slow for every frame); a name no source declares is a typo.
                    if re.search(rf"\b{re.escape(name)}\b", self._declared):
                        self._optimised_away.add(name)
                        continue
                    raise ShaderError(f"{self.label}: no uniform named {name!r}")
                self._members[name] = member
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
                    varyings: tuple[str, ...] = (), reader: Any = read_shader_file) -> Program:
    """Load, preprocess and link a program from package shader files.

    ``reader(name) -> str`` supplies file texts (the package's shaders by default; tests pass
    their own to exercise error reporting).
    """
    vs = ShaderSource.load(vertex, defines, reader)
    fs = ShaderSource.load(fragment, defines, reader) if fragment else None
    try:
        glprog = ctx.program(vertex_shader=vs.text, fragment_shader=fs.text if fs else None,
                             varyings=varyings)
    except moderngl.Error as exc:
        message = str(exc)
        stage = fs if fs is not None and "fragment_shader" in message else vs
        raise ShaderError(f"shader compile/link failed ({stage.name}):\n"
                          f"{stage.explain(message)}") from None
    return Program(glprog, [s for s in (vs, fs) if s is not None])
