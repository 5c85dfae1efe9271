#version 330 core
// # post/final.frag — the one pass from linear light to 8-bit pixels (docs/look.md):
// exposure, bloom (BLOOM), sRGB encoding, the tone map (lib/tonemap.glsl; not with
// NO_TONE_MAP, for an 8-bit scene target that holds nothing above white) and a ±½-step hashed
// dither so gradients (a sky) do not band — not on black, so a dome's corners stay black.
// Reads the scene texel under the output pixel (u_origin: the viewport's corner).
#define SHADER_NAME post/final.frag
#include "lib/color.glsl"
#include "lib/tonemap.glsl"
#include "lib/hash.glsl"

uniform sampler2D t_scene;   // linear light, the same size as the viewport
uniform vec2 u_origin;       // pixels
uniform float u_exposure;
#ifdef BLOOM
uniform sampler2D t_bloom;
uniform float u_bloom;
#endif

in vec2 v_uv;
out vec4 f_color;

void main() {
    ivec2 texel = ivec2(gl_FragCoord.xy - u_origin);
    vec3 light = texelFetch(t_scene, texel, 0).rgb * u_exposure;
#ifdef BLOOM
    light += u_bloom * texture(t_bloom, v_uv).rgb;
#endif
    vec3 display = linear_to_srgb(light);
#ifndef NO_TONE_MAP
    display = tone_map(display);
#endif
    uint h = hash_u32(uint(texel.x) * 0x9e3779b9u ^ uint(texel.y));
    float dither = (float(h >> 8) * (1.0 / 16777216.0) - 0.5) / 255.0;
    dither *= step(1e-6, max(max(display.r, display.g), display.b));
    f_color = vec4(clamp(display + dither, 0.0, 1.0), 1.0);
}
