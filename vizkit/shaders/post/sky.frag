#version 330 core
// # post/sky.frag — the background as a gradient over world directions (vizkit/look.py: Sky):
// ground below the horizon, the horizon colour at it, the zenith colour straight up. Drawn
// first, over the whole target, in linear light; the layers draw over it. A function of
// direction only, so the cube faces of a dome join without a seam.
#define SHADER_NAME post/sky.frag
#include "lib/color.glsl"

uniform vec3 u_zenith;   // sRGB display values
uniform vec3 u_horizon;
uniform vec3 u_ground;

in vec3 v_ray;
out vec4 f_color;

void main() {
    float up = normalize(v_ray).z;                  // sine of the elevation
    vec3 above = mix(u_horizon, u_zenith, sqrt(max(up, 0.0)));
    vec3 below = mix(u_horizon, u_ground, smoothstep(0.0, 0.08, -up));
    vec3 display = up >= 0.0 ? above : below;
    f_color = vec4(srgb_to_linear(display), 1.0);
}
