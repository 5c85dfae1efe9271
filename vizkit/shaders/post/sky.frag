#version 330 core
// # post/sky.frag — the sky's interpolated linear light (see post/sky.vert).
#define SHADER_NAME post/sky.frag

in vec3 v_light;
out vec4 f_color;

void main() {
    f_color = vec4(v_light, 1.0);
}
