// # lib/tonemap.glsl — the one tone map of a frame (vizkit/look.py: KNEE, tone_map).
// On linear light: while the largest channel is at most KNEE_LIGHT — the light shown as
// display value KNEE (0.8) — a colour passes unchanged, so a colour map's colours in full light
// stay exactly the legend's; above it the largest channel follows a Reinhard shoulder (the
// same slope at the knee, white only at infinity) and the whole colour is scaled with it, so
// hues (linear ratios) stay and no density of additive light reaches white unless its colour
// is white. No powers: a maximum, a division and a select per pixel.
// Why not ACES: ACES bends every tone (the colour key would no longer match the legend) and
// pushes bright colours towards white — the burnt-out look this exists to prevent.

const float KNEE_LIGHT = 0.603827;   // ((0.8 + 0.055) / 1.055) ^ 2.4: display 0.8

vec3 tone_map(vec3 light) {
    float m = max(max(light.r, light.g), light.b);
    float u = max(m - KNEE_LIGHT, 0.0) / (1.0 - KNEE_LIGHT);
    float shown = KNEE_LIGHT + (1.0 - KNEE_LIGHT) * u / (1.0 + u);
    return m > KNEE_LIGHT ? light * (shown / m) : light;
}
