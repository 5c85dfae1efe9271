#version 330 core
// # post/fog.frag — depth fog over the resolved scene (vizkit/look.py: Fog). Reads the depth
// of the nearest surface, turns it into the distance from the eye along the line of sight
// (u_clip_to_eye: inverse projection) and writes the fog colour with the fog's opacity as
// alpha, blended (ONE, ONE_MINUS_SRC_ALPHA) over the scene. The sky (depth 1) is left alone.
#define SHADER_NAME post/fog.frag

uniform sampler2D t_depth;
uniform mat4 u_clip_to_eye;
uniform vec2 u_range;        // (start, end) metres from the eye
uniform vec3 u_fog;          // linear light
uniform float u_opacity;

in vec2 v_uv;
out vec4 f_color;

void main() {
    float depth = texelFetch(t_depth, ivec2(gl_FragCoord.xy), 0).r;
    if (depth >= 1.0) {
        f_color = vec4(0.0);
        return;
    }
    vec4 eye = u_clip_to_eye * vec4(2.0 * v_uv - 1.0, 2.0 * depth - 1.0, 1.0);
    float distance = length(eye.xyz / eye.w);
    float amount = u_opacity * smoothstep(u_range.x, u_range.y, distance);
    f_color = vec4(u_fog * amount, amount);
}
