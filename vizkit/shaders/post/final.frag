#version 330 core
// # post/final.frag — the one pass from linear light to 8-bit pixels (docs/look.md):
// exposure, bloom (BLOOM), the tone map (lib/tonemap.glsl; not with NO_TONE_MAP, for an 8-bit
// scene target that holds nothing above white) and sRGB encoding — by the GL when the output
// is an sRGB target (SRGB_TARGET: written with GL_FRAMEBUFFER_SRGB on, the cheap way), else
// here. Reads the scene texel under the output pixel (u_origin: the viewport's corner).
#define SHADER_NAME post/final.frag
#include "lib/color.glsl"
#include "lib/tonemap.glsl"

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
    vec3 light = texelFetch(t_scene, ivec2(gl_FragCoord.xy - u_origin), 0).rgb * u_exposure;
#ifdef BLOOM
    light += u_bloom * texture(t_bloom, v_uv).rgb;
#endif
#ifndef NO_TONE_MAP
    light = tone_map(light);
#endif
#ifdef SRGB_TARGET
    f_color = vec4(light, 1.0);
#else
    f_color = vec4(linear_to_srgb(light), 1.0);
#endif
}
