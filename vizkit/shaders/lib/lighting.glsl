// # lighting.glsl — the light model of statistics surfaces (terrains, regions); see
// vizkit/layers/light.py for the reasoning and the Python side of every constant.
// Why no specular highlights: statistics surfaces must keep their colour map readable, and a
// highlight would shift the perceived value. Soft light instead: sky light from a hemisphere,
// occlusion and soft shadows (visibilities computed elsewhere), and a tone-mapping shoulder so
// nothing clips to white.

const vec3 SKY_TINT = vec3(0.97, 1.0, 1.08);     // light.py SKY_TINT
const vec3 BOUNCE_TINT = vec3(0.64, 0.60, 0.55);  // light.py BOUNCE_TINT
const float KNEE = 0.8;                           // light.py KNEE

// Scale a colour down by a soft shoulder on its largest channel: below KNEE it is untouched,
// above it the channel approaches 1 but never reaches it; the ratios between channels (the
// hue) are kept.
vec3 tone_map(vec3 c) {
    float m = max(max(c.r, c.g), c.b);
    if (m <= KNEE) return c;
    float t = KNEE + (1.0 - KNEE) * (1.0 - exp(-(m - KNEE) / (1.0 - KNEE)));
    return c * (t / m);
}

// base: colour-map colour; normal: any length; to_sun: unit vector towards the sun;
// ambient: share of the light that is sky (1 = unlit: base returned exactly);
// settings: (sky on, tone mapping on, exposure, shadow strength) = Light.uniform();
// open_sky: 1 - occlusion strength * (1 - sky visibility), a factor on all the light;
// sunlit: 0 in full shadow … 1.
vec3 shade(vec3 base, vec3 normal, vec3 to_sun, float ambient, vec4 settings,
           float open_sky, float sunlit) {
    if (ambient >= 1.0) return base;
    vec3 n = normalize(normal);
    float diffuse = max(dot(n, to_sun), 0.0) * (1.0 - settings.w * (1.0 - sunlit));
    vec3 sky = settings.x > 0.5 ? mix(BOUNCE_TINT, SKY_TINT, 0.5 + 0.5 * n.z) : vec3(1.0);
    // Occlusion darkens all the light a cell receives (as rayshader multiplies its ambient
    // shade into the image), not only the sky's share: valleys and feet of towers read.
    vec3 c = base * (ambient * sky + (1.0 - ambient) * diffuse) * open_sky * settings.z;
    return settings.y > 0.5 ? tone_map(c) : c;
}
