#version 330 core
// # fullscreen.vert — one triangle that covers the viewport, for per-pixel passes.
// No vertex attributes: the three corners come from gl_VertexID, so the pass needs no buffer.
// The fragment shader works from gl_FragCoord, not from a varying.
#define SHADER_NAME fullscreen.vert

void main() {
    vec2 corner = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
    gl_Position = vec4(corner * 2.0 - 1.0, 0.0, 1.0);
}
