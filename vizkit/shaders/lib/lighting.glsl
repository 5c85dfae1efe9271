// # lighting.glsl — ambient + diffuse light from a sun direction.
// Why so simple: statistics terrains must keep their colour map readable; specular highlights
// would shift perceived values. Inputs: a unit normal and a unit direction *towards* the sun.

vec3 lit(vec3 base_rgb, vec3 normal, vec3 to_sun, float ambient) {
    float diffuse = max(dot(normalize(normal), to_sun), 0.0);
    return base_rgb * (ambient + (1.0 - ambient) * diffuse);
}
