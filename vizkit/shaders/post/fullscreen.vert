#version 330 core
// # post/fullscreen.vert — one triangle that covers the viewport (no vertex buffer: the three
// corners come from gl_VertexID). v_uv runs 0..1 across the viewport.
#define SHADER_NAME post/fullscreen.vert

out vec2 v_uv;

void main() {
    vec2 p = vec2(float((gl_VertexID & 1) << 2) - 1.0, float((gl_VertexID & 2) << 1) - 1.0);
    v_uv = 0.5 * p + 0.5;
    gl_Position = vec4(p, 0.0, 1.0);
}
