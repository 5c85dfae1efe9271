#version 330 core
// # text.vert — a screen-space quad for a pre-rasterised text image (captions, credits).
// No vertex buffer: the four corners come from gl_VertexID (triangle strip).
#define SHADER_NAME text.vert

uniform vec4 u_rect;   // x0, y0, x1, y1 in normalised device coordinates
out vec2 v_uv;

void main() {
    vec2 corner = vec2(gl_VertexID & 1, gl_VertexID >> 1);
    v_uv = corner;   // the image is uploaded bottom row first, as GL textures are
    gl_Position = vec4(mix(u_rect.xy, u_rect.zw, corner), 0.0, 1.0);
}
