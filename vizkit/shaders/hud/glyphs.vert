#version 330 core
// # glyphs.vert — HUD quads (glyphs, backdrops, colour bars) from one atlas, one instance each.
// Inputs: per instance a rectangle in pixels of the reader's frame (y down from its top-left),
// atlas texels, fill colours (left/right edge: a colour bar is one gradient quad) and a halo
// colour. The reader's frame is the view turned by u_turn quarter turns (a touch table's HUD
// group facing a side); no vertex buffer: the corners come from gl_VertexID (triangle strip).
#define SHADER_NAME glyphs.vert

in vec4 a_rect;     // x0, y0, x1, y1: pixels, y down
in vec4 a_uv;       // x0, y0, x1, y1: atlas texels, y down
in vec4 a_fill;     // RGBA 0-1 at the left edge (straight alpha)
in vec4 a_fill2;    // RGBA at the right edge
in vec4 a_halo;     // RGBA of the glyph's halo

uniform vec2 u_viewport;   // the view's size in pixels
uniform int u_turn;        // 0: read from the bottom edge; 1: right; 2: top; 3: left
uniform vec2 u_atlas;      // atlas size in texels

out vec2 v_uv;
out vec4 v_fill;
out vec4 v_halo;

void main() {
    vec2 corner = vec2(gl_VertexID & 1, gl_VertexID >> 1);
    vec2 p = mix(a_rect.xy, a_rect.zw, corner);
    bool sideways = (u_turn & 1) == 1;
    vec2 frame = sideways ? u_viewport.yx : u_viewport;
    vec2 q = vec2(p.x, frame.y - p.y);                // the reader's frame, y up
    vec2 r = q;                                       // into the view
    if (u_turn == 1) r = vec2(u_viewport.x - q.y, q.x);
    else if (u_turn == 2) r = u_viewport - q;
    else if (u_turn == 3) r = vec2(q.y, u_viewport.y - q.x);
    gl_Position = vec4(r / u_viewport * 2.0 - 1.0, 0.0, 1.0);
    v_uv = mix(a_uv.xy, a_uv.zw, corner) / u_atlas;
    v_fill = mix(a_fill, a_fill2, corner.x);
    v_halo = a_halo;
}
