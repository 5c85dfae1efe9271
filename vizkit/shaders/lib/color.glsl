// # lib/color.glsl — sRGB display values ↔ linear light (IEC 61966-2-1, exact curves).
// Layers draw linear light into the scene target (docs/look.md): a colour given as an sRGB
// display value (a colour map's bytes, a colour the user wrote) is decoded with
// srgb_to_linear before it is lit or added. The final pass encodes with linear_to_srgb, which
// continues the curve above 1 so the tone map can see how far above white a value is.

vec3 srgb_to_linear(vec3 c) {
    c = max(c, vec3(0.0));
    vec3 low = c / 12.92;
    vec3 high = pow((c + 0.055) / 1.055, vec3(2.4));
    return mix(high, low, vec3(lessThanEqual(c, vec3(0.04045))));
}

vec3 linear_to_srgb(vec3 l) {
    l = max(l, vec3(0.0));
    vec3 low = 12.92 * l;
    vec3 high = 1.055 * pow(l, vec3(1.0 / 2.4)) - 0.055;
    return mix(high, low, vec3(lessThanEqual(l, vec3(0.0031308))));
}
