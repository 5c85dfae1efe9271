#version 330 core
// # basemap/lines.frag — analytic edge coverage of a capsule, drawn in two passes so that a
// pixel covered by several segments of one line set (joints, shared ends, dense coastlines) is
// blended once, at its largest coverage, never twice:
//   u_pass 0: coverage → destination alpha, blend equation MIN on alpha (colour untouched):
//             alpha = 1 − max(coverage · opacity) over the set's fragments;
//   u_pass 1: colour, blend (1 − dst alpha, dst alpha), which is "over" with that coverage; the
//             same fragment writes alpha 1, so later fragments of the set blend with weight 0.
// Every vizkit target keeps alpha 1 under opaque layers, so alpha is free to use here and is 1
// again afterwards. Coverage: the overlap of the pixel (a 1-px box across the line) with the
// line's band, min(d + ½, w/2) − max(d − ½, −w/2) for a distance d to the segment — exact for
// a line crossing the pixel squarely, and right for widths below a pixel (fainter, not wider).
#define SHADER_NAME basemap/lines.frag

uniform vec4 u_color;            // line colour, RGBA 0–1 (alpha = opacity)
uniform int u_pass;              // 0: coverage into alpha, 1: colour

noperspective in vec2 v_pixel;
noperspective in float v_half_width;
flat in vec4 v_ends;

out vec4 f_color;

void main() {
    vec2 a = v_ends.xy;
    vec2 ab = v_ends.zw - a;
    float h = clamp(dot(v_pixel - a, ab) / max(dot(ab, ab), 1e-8), 0.0, 1.0);
    float d = length(v_pixel - a - ab * h);
    float coverage = clamp(min(d + 0.5, v_half_width) - max(d - 0.5, -v_half_width), 0.0, 1.0);
    if (coverage <= 0.0) discard;
    if (u_pass == 0) {
        f_color = vec4(0.0, 0.0, 0.0, 1.0 - coverage * u_color.a);
    } else {
        f_color = vec4(u_color.rgb, 1.0);
    }
}
