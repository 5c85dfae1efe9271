#version 330 core
// # basemap/lines.vert — thin anti-aliased lines of a constant width in pixels: each segment
// (an instance) becomes a screen-space quad around the capsule of half-width u_width / 2 plus
// one pixel for the anti-aliased fringe; vertex gl_VertexID 0–3 is (end, side) of the quad.
// Both ends are projected here, the segment clipped against the near plane first (an end behind
// the eye cannot be divided by its w).
// Depth: a quad corner lies beside the segment on screen, so it takes the depth of the ground
// under its own pixel (its view ray meets z = 0), not of the segment's end — seen at a grazing
// angle one pixel of screen spans metres of ground, and a quad at the ends' depth would sink
// into a flat terrain below the line's centre. The quad is then coplanar with the ground in
// depth, and ground.glsl's slide towards the eye decides the tie for the line.
// On an angular target (a dome's cube face, u_angular = 1) the width is in pixels of the
// angular output: a face pixel at tan-space s spans less angle than one at the centre — across
// a line of unit normal n by the factor sqrt(1 + |s|² − (s·n)²) / (1 + |s|²) — so the width in
// face pixels grows by its inverse.
#define SHADER_NAME basemap/lines.vert
#include "basemap/ground.glsl"

uniform vec2 u_viewport;         // framebuffer size, px
uniform float u_width;           // line width, px of the output
uniform int u_angular;           // 1: angular output (dome face), widths per radian

in vec4 a_segment;               // x0, y0, x1, y1: metres from the layer origin

noperspective out vec2 v_pixel;      // this fragment's position, px
noperspective out float v_half_width;// half the line width here, px
flat out vec4 v_ends;                // both ends of the segment, px

// Eye-space point of the ground plane (z = 0) under the pixel at `ndc`, or `fallback` where
// that pixel's ray does not meet the ground in front of the eye (at or above the horizon).
vec3 ground_under(vec2 ndc, vec3 fallback) {
    vec3 ray = vec3((ndc.x + u_projection[2][0]) / u_projection[0][0],
                    (ndc.y + u_projection[2][1]) / u_projection[1][1], -1.0);
    vec3 up = (u_model_view * vec4(0.0, 0.0, 1.0, 0.0)).xyz;
    vec3 origin = (u_model_view * vec4(0.0, 0.0, 0.0, 1.0)).xyz;
    float facing = dot(up, ray);
    float t = abs(facing) > 1e-9 ? dot(up, origin) / facing : -1.0;
    return t > 0.0 ? ray * t : fallback;
}

float stretch(vec3 eye, vec2 normal) {
    if (u_angular == 0) return 1.0;
    vec2 s = eye.xy / max(-eye.z, 1e-6);
    float r2 = dot(s, s);
    float across = dot(s, normal);
    return (1.0 + r2) / sqrt(max(1.0 + r2 - across * across, 1e-6));
}

void main() {
    float pull = 0.5 * u_width + 1.0;             // pixels towards the eye (ground.glsl)
    vec3 e0 = ground_eye(a_segment.xy, pull);
    vec3 e1 = ground_eye(a_segment.zw, pull);
    vec4 c0 = u_projection * vec4(e0, 1.0);
    vec4 c1 = u_projection * vec4(e1, 1.0);
    float d0 = c0.z + c0.w;                       // ≥ 0: in front of the near plane
    float d1 = c1.z + c1.w;
    if (d0 < 0.0 && d1 < 0.0) {                   // wholly behind: nothing to draw
        gl_Position = vec4(2.0, 2.0, 2.0, 1.0);
        return;
    }
    if (d0 < 0.0) { float t = d0 / (d0 - d1); c0 = mix(c0, c1, t); e0 = mix(e0, e1, t); }
    if (d1 < 0.0) { float t = d1 / (d1 - d0); c1 = mix(c1, c0, t); e1 = mix(e1, e0, t); }
    vec3 n0 = c0.xyz / c0.w;
    vec3 n1 = c1.xyz / c1.w;
    vec2 p0 = (n0.xy * 0.5 + 0.5) * u_viewport;
    vec2 p1 = (n1.xy * 0.5 + 0.5) * u_viewport;
    vec2 along = p1 - p0;
    float len = length(along);
    vec2 dir = len > 1e-4 ? along / len : vec2(1.0, 0.0);
    vec2 normal = vec2(-dir.y, dir.x);

    int end = gl_VertexID / 2;                    // 0, 0, 1, 1
    float side = (gl_VertexID % 2 == 0) ? -1.0 : 1.0;
    vec3 eye = end == 0 ? e0 : e1;
    float half_width = 0.5 * u_width * stretch(eye, normal);
    float reach = half_width + 1.0;               // + the anti-aliased fringe
    vec2 corner = (end == 0 ? p0 - dir * reach : p1 + dir * reach) + normal * side * reach;
    vec2 corner_ndc = corner / u_viewport * 2.0 - 1.0;
    vec3 ground = ground_under(corner_ndc, eye / (1.0 - slide_of(pull, -eye.z)));
    vec4 clip = u_projection * vec4(ground * (1.0 - slide_of(pull, -ground.z)), 1.0);

    v_pixel = corner;
    v_half_width = half_width;
    v_ends = vec4(p0, p1);
    gl_Position = vec4(corner_ndc, clip.z / clip.w, 1.0);
}
