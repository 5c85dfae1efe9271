// # protected.glsl — how cells hidden by disclosure control look: calm, but marked.
// A flat tint (HIDDEN_FILL times the line colour) under fine diagonal lines in the line colour.
// The lines live on the surface (`p` in pattern units: a few per cell), are anti-aliased, and
// fade into the tint once they come closer than ~6 pixels on screen — so hidden cells read as
// "withheld" up close and as one quiet tint at a glance, never as noise. The legend's swatch
// (a hatch over the darker fill) shows the same two colours.

const float HIDDEN_FILL = 0.55;   // vizkit/layers/legend.py HIDDEN_FILL

vec3 protected_pattern(vec3 line_color, vec2 p) {
    float u = (p.x + p.y) * 0.70710678;        // across the diagonal lines
    float w = max(fwidth(u), 1e-6);            // pattern units per pixel
    float d = abs(fract(u) - 0.5);             // distance to the nearest line's centre
    float line = 1.0 - smoothstep(0.16 - w, 0.16 + w, d);
    float fade = 1.0 - smoothstep(0.09, 0.18, w);
    return mix(line_color * HIDDEN_FILL, line_color, line * fade);
}
