#version 330 core
// # post/bloom_down.frag — halve the resolution for bloom: four bilinear taps cover the 4×4
// source texels around the output texel (a tent filter, so no particle falls between taps and
// flickers). BRIGHT (the first step): keep only light above the threshold, with a soft knee.
#define SHADER_NAME post/bloom_down.frag

uniform sampler2D t_source;
uniform vec2 u_texel;        // 1 / source size
#ifdef BRIGHT
uniform float u_threshold;   // linear light
#endif

in vec2 v_uv;
out vec4 f_color;

void main() {
    vec3 c = 0.25 * (texture(t_source, v_uv + u_texel * vec2(-1.0, -1.0)).rgb
                   + texture(t_source, v_uv + u_texel * vec2(1.0, -1.0)).rgb
                   + texture(t_source, v_uv + u_texel * vec2(-1.0, 1.0)).rgb
                   + texture(t_source, v_uv + u_texel * vec2(1.0, 1.0)).rgb);
#ifdef BRIGHT
    float m = max(max(c.r, c.g), c.b);
    float soft = 0.5 * u_threshold;
    float over = clamp(m - u_threshold + soft, 0.0, 2.0 * soft);
    over = over * over / (4.0 * soft + 1e-5);
    c *= max(over, m - u_threshold) / max(m, 1e-5);
#endif
    f_color = vec4(c, 1.0);
}
