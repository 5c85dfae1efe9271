#version 330 core
// # post/bloom_blur.frag — one direction of a separable Gaussian (sigma 2 texels, 9 taps as 5
// bilinear fetches) at reduced resolution; run horizontally, then vertically.
#define SHADER_NAME post/bloom_blur.frag

uniform sampler2D t_source;
uniform vec2 u_step;         // one texel along the blur direction, in uv

in vec2 v_uv;
out vec4 f_color;

void main() {
    // weights and offsets of a 9-tap Gaussian folded into bilinear pairs
    vec3 c = 0.2270270270 * texture(t_source, v_uv).rgb;
    c += 0.3162162162 * (texture(t_source, v_uv + 1.3846153846 * u_step).rgb
                       + texture(t_source, v_uv - 1.3846153846 * u_step).rgb);
    c += 0.0702702703 * (texture(t_source, v_uv + 3.2307692308 * u_step).rgb
                       + texture(t_source, v_uv - 3.2307692308 * u_step).rgb);
    f_color = vec4(c, 1.0);
}
