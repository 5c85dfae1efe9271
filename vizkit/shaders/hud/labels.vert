#version 330 core
// # labels.vert — world labels: glyph quads anchored at 3D points, facing the camera.
// Per instance (one glyph of a label shown this frame): the label's anchor (metres, relative to
// the layer's origin), the glyph's rectangle in pixels around it (y down), atlas texels and
// colours, their alpha already faded by distance. Labels decluttered away are not uploaded.
// Flat views: the anchor is projected and snapped to a pixel, then the glyph is laid out in
// pixels, so text is sharp. Dome faces (u_billboard = 1): the glyph is a quad in the world,
// perpendicular to the eye's line of sight and as large as its pixel size in visual angle,
// so every cube face draws the same label the same way and the fisheye stitches it seamlessly.
#define SHADER_NAME labels.vert

in vec3 a_anchor;
in vec4 a_rect;
in vec4 a_uv;
in vec4 a_fill;
in vec4 a_halo;

uniform mat4 u_mvp;
uniform vec2 u_viewport;
uniform vec2 u_atlas;
uniform int u_billboard;
uniform vec3 u_eye;          // relative to the layer's origin
uniform vec3 u_up;           // world up (labels stay upright)
uniform float u_rad_per_px;  // visual angle of one label pixel (billboards)

out vec2 v_uv;
out vec4 v_fill;
out vec4 v_halo;

void main() {
    vec2 corner = vec2(gl_VertexID & 1, gl_VertexID >> 1);
    vec2 offset = mix(a_rect.xy, a_rect.zw, corner);          // pixels, y down
    if (u_billboard == 1) {
        vec3 sight = a_anchor - u_eye;
        float distance = length(sight);
        vec3 ahead = sight / distance;
        vec3 right = cross(ahead, u_up);
        right = length(right) > 1e-6 ? normalize(right) : vec3(1.0, 0.0, 0.0);
        vec3 up = cross(right, ahead);
        vec3 world = a_anchor + (right * offset.x - up * offset.y) * distance * u_rad_per_px;
        gl_Position = u_mvp * vec4(world, 1.0);
    } else {
        vec4 clip = u_mvp * vec4(a_anchor, 1.0);
        vec2 pixel = floor((clip.xy / clip.w * 0.5 + 0.5) * u_viewport + 0.5);
        vec2 p = pixel + vec2(offset.x, -offset.y);
        gl_Position = clip.w > 0.0 ? vec4(p / u_viewport * 2.0 - 1.0, 0.0, 1.0)
                                   : vec4(2.0, 2.0, 2.0, 1.0);
    }
    v_uv = mix(a_uv.xy, a_uv.zw, corner) / u_atlas;
    v_fill = a_fill;
    v_halo = a_halo;
}
