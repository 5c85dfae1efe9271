// # lighting.glsl — the light model of statistics surfaces (terrains, regions); see
// vizkit/layers/light.py for the reasoning and the Python side of every constant.
// Why no specular highlights: statistics surfaces must keep their colour map readable, and a
// highlight would shift the perceived value. Soft light instead: sky light from a hemisphere,
// occlusion and soft shadows (visibilities computed elsewhere). The result is a display value
// that may exceed 1 (exposure, bright colour maps): the layer stores it as linear light and the
// renderer's final pass tone-maps the whole frame once, so nothing clips to white.

const vec3 SKY_TINT = vec3(0.97, 1.0, 1.08);     // light.py SKY_TINT
const vec3 BOUNCE_TINT = vec3(0.64, 0.60, 0.55);  // light.py BOUNCE_TINT

// base: colour-map colour; normal: any length; to_sun: unit vector towards the sun;
// ambient: share of the light that is sky (1 with no variant below = base exactly: unlit);
// settings: Light.uniform() = (sky, 0, exposure, shadow strength) — sky is also a variant
// (SKY), so the plain light is the old ambient + diffuse exactly;
// open_sky: 1 - occlusion strength * (1 - sky visibility), a factor on all the light;
// sunlit: 0 in full shadow … 1 (used with the LIGHT variant).
vec3 shade(vec3 base, vec3 normal, vec3 to_sun, float ambient, vec4 settings,
           float open_sky, float sunlit) {
    vec3 n = normalize(normal);
    float diffuse = max(dot(n, to_sun), 0.0);
#ifdef LIGHT
    diffuse *= 1.0 - settings.w * (1.0 - sunlit);
#endif
#ifdef SKY
    vec3 sky = mix(BOUNCE_TINT, SKY_TINT, 0.5 + 0.5 * n.z);
    vec3 c = base * (ambient * sky + (1.0 - ambient) * diffuse);
#else
    vec3 c = base * (ambient + (1.0 - ambient) * diffuse);
#endif
    // Occlusion darkens all the light a cell receives (as rayshader multiplies its ambient
    // shade into the image), not only the sky's share: valleys and feet of towers read.
    c *= open_sky * settings.z;
    return c;
}
