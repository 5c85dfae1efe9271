// # values.glsl — per-element statistics over time steps, blended on the GPU.
// Values of every time step live in one R32F texture array (one layer per step); a morph
// between steps u_step0 and u_step1 is a mix by u_mix. At u_mix 0 or 1 the pure step is
// returned as is, so a cell that is no-data (NaN) only in the *other* step still shows its
// value at the ends of a morph (and is a hole in between).
// Inputs: the sampler, an integer texel and the two steps.

float blend_steps(sampler2DArray values, ivec2 texel, int step0, int step1, float t) {
    float a = texelFetch(values, ivec3(texel, step0), 0).r;
    if (t <= 0.0) return a;
    float b = texelFetch(values, ivec3(texel, step1), 0).r;
    if (t >= 1.0) return b;
    return mix(a, b, t);
}

// Colour-map position of a change (b - a) on a diverging map centred on zero: 0.5 = no change.
float change_level(float delta, float half_range) {
    return 0.5 + 0.5 * clamp(delta / max(half_range, 1e-30), -1.0, 1.0);
}
