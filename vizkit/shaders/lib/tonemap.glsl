// # lib/tonemap.glsl — the one tone map of a frame (vizkit/look.py: KNEE, tone_map).
// Works on display values (after linear_to_srgb, which may exceed 1): below KNEE on the largest
// channel a colour passes unchanged — a colour map's colours in full light stay exactly the
// legend's; above it the largest channel follows a Reinhard shoulder (same slope at the knee,
// 1 only at infinity) and the other channels keep their ratio to it, so hues stay and no
// density of additive light reaches white unless its colour is white.
// Why not ACES: ACES bends every tone (the colour key would no longer match the legend) and
// pushes bright colours towards white — the burnt-out look this exists to prevent.

const float KNEE = 0.8;

vec3 tone_map(vec3 v) {
    float m = max(max(v.r, v.g), v.b);
    if (m <= KNEE) return v;
    float u = (m - KNEE) / (1.0 - KNEE);
    return v * ((KNEE + (1.0 - KNEE) * u / (1.0 + u)) / m);
}
