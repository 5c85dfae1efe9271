#version 330 core
// # terrain.frag — colour-mapped, lit terrain; cells without data are holes, never zero.
#define SHADER_NAME terrain.frag
#include "lib/lighting.glsl"

uniform sampler2D t_colormap;  // 256×1 RGBA8 lookup table, linear filtering
uniform vec3 u_to_sun;         // unit vector towards the sun
uniform float u_ambient;

in vec3 v_normal;
in float v_level;
in float v_valid;
in vec3 v_local;
out vec4 f_color;

void main() {
    // A triangle touching a no-data vertex interpolates v_valid below 1: drop those fragments.
    if (v_valid < 0.999) discard;
    vec3 base = texture(t_colormap, vec2((v_level * 255.0 + 0.5) / 256.0, 0.5)).rgb;
    f_color = vec4(lit(base, v_normal, u_to_sun, u_ambient), 1.0);
}
