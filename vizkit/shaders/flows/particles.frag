#version 330 core
// # flows/particles.frag — soft particles for additive blending in linear light (the scene
// target is floating point: they add up without a ceiling): the colour is scaled by
// coverage (alpha is ignored by the ONE, ONE blend). LINES: the line's interpolated light
// (bright head, dark tail). STREAKS: a capsule that is brightest at
// its head and fades to nothing at its tail; points: a soft disc (SOFT_POINTS, 3 px and
// wider) or a flat square.
#define SHADER_NAME flows/particles.frag

in vec3 v_color;
#ifdef STREAKS
noperspective in vec2 v_local;
flat in float v_length;
flat in float v_radius;
#endif
out vec4 f_color;

void main() {
#ifdef STREAKS
    float x = v_local.x;
    float beyond = max(max(-x, x - v_length), 0.0);  // distance past either end, pixels
    float d = length(vec2(beyond, v_local.y));
    float cover = clamp(v_radius - d, 0.0, 1.0);      // one-pixel soft edge
    float core = 1.0 - smoothstep(0.0, v_radius, d);  // brighter along the axis
    float along = clamp(x / max(v_length, 1.0), 0.0, 1.0);
    float fade = along * along;                        // tail → head: 0 → 1
    float light = cover * (0.35 + 0.65 * core) * fade;
#elif defined(SOFT_POINTS)
    float d = length(gl_PointCoord - 0.5) * 2.0;
    float light = 1.0 - smoothstep(0.55, 1.0, d);
#else
    float light = 1.0;  // under 3 px a disc is a square anyway
#endif
    // no discard: with ONE, ONE blending and no depth writes a zero adds nothing, and
    // discard would cost more than it saves on CPU rasterisers
    f_color = vec4(v_color * light, 1.0);
}
