// # scale.glsl — value scales shared by height and colour.
// Counts span orders of magnitude, so heights may follow sqrt or log of the value.
// u_scale: 0 linear, 1 sqrt, 2 log (log1p, so zero stays zero).

float scale_value(float v, int kind) {
    if (kind == 1) return sqrt(max(v, 0.0));
    if (kind == 2) return log(1.0 + max(v, 0.0));
    return v;
}
