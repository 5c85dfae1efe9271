#version 330 core
// # horizon.vert — one triangle covering the viewport (the light atlas being written).
#define SHADER_NAME horizon.vert

void main() {
    vec2 p = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
    gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}
