// # level.glsl — a value's place in a domain after the layer's scale, 0…1.
// Scales are fixed per layer, so they are defines — SCALE for colours, HEIGHT_SCALE for
// heights (0 linear, 1 sqrt, 2 log1p: the transforms of vizkit/layers/legend.py scaled()) —
// and the branches below fold away at compile time.
// domain: the *scaled* (low, high). Without the defines, both scales are linear.
#ifndef SCALE
#define SCALE 0
#endif
#ifndef HEIGHT_SCALE
#define HEIGHT_SCALE SCALE
#endif

float scale_by(float v, int kind) {
    if (kind == 1) return sqrt(max(v, 0.0));
    if (kind == 2) return log(1.0 + max(v, 0.0));
    return v;
}

float level_in(float v, vec2 domain) {
    return clamp((scale_by(v, SCALE) - domain.x) / max(domain.y - domain.x, 1e-30), 0.0, 1.0);
}

float height_level_in(float v, vec2 domain) {
    return clamp((scale_by(v, HEIGHT_SCALE) - domain.x) / max(domain.y - domain.x, 1e-30),
                 0.0, 1.0);
}

// Stored value codes (vizkit/layers/tiles.py encode): finite = a value, NaN = no data,
// -inf = hidden by disclosure control, +inf = outside the footprint.
bool has_value(float v) { return !isnan(v) && !isinf(v); }
bool is_hidden(float v) { return isinf(v) && v < 0.0; }
bool is_outside(float v) { return isinf(v) && v > 0.0; }
