"""Shader preprocessing and error messages that name the file and line."""

from __future__ import annotations

import pytest

from vizkit.gpu.shaders import ShaderError, ShaderSource, compile_program

VERT = '#version 330 core\n#include "lib/x.glsl"\nvoid main() {\n  gl_Position = vec4(f());\n}\n'
FRAG = "#version 330 core\nout vec4 c;\nvoid main() { c = vec4(1.0); }\n"


def reader(files: dict[str, str]):
    def read(name: str) -> str:
        if name not in files:
            raise ShaderError(f"shader file not found: vizkit/shaders/{name}")
        return files[name]
    return read


def test_include_is_pasted_once_and_lines_map_back():
    files = {"a.vert": '#version 330 core\n#include "lib/x.glsl"\n#include "lib/x.glsl"\nX\n',
             "lib/x.glsl": "float f() { return 1.0; }\n"}
    source = ShaderSource.load("a.vert", {"N": 3}, reader(files))
    assert source.text.count("float f()") == 1
    assert "#define N 3" in source.text.splitlines()[1]
    assert source.origins[source.text.splitlines().index("X")] == ("a.vert", 4)
    assert source.files == ["a.vert", "lib/x.glsl"]


def test_circular_include_is_reported_with_the_chain():
    files = {"a.vert": '#version 330 core\n#include "b.glsl"\n', "b.glsl": '#include "a.vert"\n'}
    with pytest.raises(ShaderError, match=r"circular #include: a.vert -> b.glsl -> a.vert"):
        ShaderSource.load("a.vert", reader=reader(files))


def test_missing_include_names_the_including_file_and_line():
    files = {"a.vert": '#version 330 core\n\n#include "lib/nope.glsl"\n'}
    with pytest.raises(ShaderError, match=r"vizkit/shaders/a.vert:3: #include: .*lib/nope.glsl"):
        ShaderSource.load("a.vert", reader=reader(files))


def test_missing_version_line_is_refused():
    with pytest.raises(ShaderError, match=r"a.vert:1: the shader must start with #version"):
        ShaderSource.load("a.vert", reader=reader({"a.vert": "void main() {}\n"}))


def test_compile_error_inside_an_include_names_that_file_and_line(gpu):
    files = {"a.vert": VERT, "a.frag": FRAG,
             "lib/x.glsl": "// helper\nvec4 f() {\n  return undefined_name;\n}\n"}
    with pytest.raises(ShaderError) as info:
        compile_program(gpu.ctx, "a.vert", "a.frag", reader=reader(files))
    assert "vizkit/shaders/lib/x.glsl:3:" in str(info.value)
    assert "undefined_name" in str(info.value)


def test_fragment_syntax_error_names_the_fragment_file(gpu):
    files = {"a.vert": VERT, "lib/x.glsl": "vec4 f() { return vec4(1.0); }\n",
             "a.frag": "#version 330 core\nout vec4 c;\nvoid main() {\n c = vec4(1.0)\n}\n"}
    with pytest.raises(ShaderError, match=r"vizkit/shaders/a.frag:5: error: syntax error"):
        compile_program(gpu.ctx, "a.vert", "a.frag", reader=reader(files))


def test_package_shaders_compile(gpu):
    program = gpu.program("terrain/terrain.vert", "terrain/terrain.frag")
    assert program is gpu.program("terrain/terrain.vert", "terrain/terrain.frag")  # cached
    with pytest.raises(ShaderError, match="no uniform named 'u_typo'"):
        program.set(u_typo=1.0)
