#version 330 core
// # glyphs.frag — a glyph (or solid quad) over its halo, premultiplied alpha.
// The atlas holds two coverages per texel: r = the letter, g = the letter grown by its halo.
// LINEAR (world labels, drawn into the scene target): the colours, given as display values, are
// decoded to linear light first; HUD panels draw over the final 8-bit picture and keep them.
#define SHADER_NAME glyphs.frag
#ifdef LINEAR
#include "lib/color.glsl"
#endif

uniform sampler2D t_atlas;
in vec2 v_uv;
in vec4 v_fill;
in vec4 v_halo;
out vec4 f_color;

void main() {
    vec2 coverage = texture(t_atlas, v_uv).rg;
    float fill = v_fill.a * coverage.r;
    float halo = v_halo.a * coverage.g * (1.0 - fill);
#ifdef LINEAR
    f_color = vec4(srgb_to_linear(v_fill.rgb) * fill + srgb_to_linear(v_halo.rgb) * halo,
                   fill + halo);
#else
    f_color = vec4(v_fill.rgb * fill + v_halo.rgb * halo, fill + halo);
#endif
    if (f_color.a <= 0.0) discard;
}
