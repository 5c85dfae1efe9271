// # contours.glsl — anti-aliased iso-lines of a smoothly varying value, in the fragment shader.
// Lines sit at whole multiples of `interval` (value units, not heights: contours read as
// "every 500 persons" whatever the height scale). Their width is constant on screen thanks to
// fwidth(). Zero is skipped: flat, empty land would otherwise be one solid line.

float contour_strength(float value, float interval, float width_px) {
    float c = value / max(interval, 1e-30);
    if (c < 0.5) return 0.0;
    float w = max(fwidth(c), 1e-6) * width_px;
    float d = abs(fract(c + 0.5) - 0.5);   // distance in intervals to the nearest line
    return 1.0 - smoothstep(0.5 * w, w, d);
}
