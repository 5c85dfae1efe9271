#version 330 core
// # regions.frag — flat-lit, colour-mapped prisms; regions without data are grey or absent.
// Variant PICK writes (layer id, region row + 1) into an RG32UI id buffer instead of colour;
// NO_DATA (some value is NaN) compiles the grey / hole branch — without it there is no
// `discard`, which keeps early depth testing on.
#define SHADER_NAME regions.frag
#include "lib/lighting.glsl"
#include "lib/color.glsl"

in vec3 v_normal;
in float v_level;
#ifdef NO_DATA
in float v_valid;
#endif
flat in uint v_region;

#ifdef PICK
uniform uint u_pick_layer;
uniform float u_pick_no_data;  // 1: grey no-data / hidden cells answer picks (value NaN)
out uvec2 f_id;

void main() {
#ifdef NO_DATA
    if (v_valid < 0.5 && u_pick_no_data < 0.5) discard;
#endif
    f_id = uvec2(u_pick_layer, v_region + 1u);
}
#else
uniform sampler2D t_colormap;  // 256×1 RGBA8 lookup table
uniform vec3 u_to_sun;
uniform float u_ambient;
uniform vec4 u_no_data;        // colour of regions without data; alpha 0 = not drawn
out vec4 f_color;

void main() {
    vec3 base = texture(t_colormap, vec2((v_level * 255.0 + 0.5) / 256.0, 0.5)).rgb;
#ifdef NO_DATA
    if (v_valid < 0.5) {
        if (u_no_data.a <= 0.0) discard;
        base = u_no_data.rgb;
    }
#endif
    // shaded in display values, stored as linear light (the scene target's contract)
    f_color = vec4(srgb_to_linear(lit(base, v_normal, u_to_sun, u_ambient)), 1.0);
}
#endif
