#version 330 core
// # terrain.vert — a height field whose heights live in a texture array (one layer per time step).
// No vertex attributes: the grid position comes from gl_VertexID, heights from t_values, and
// normals from neighbouring texels, so morphing between years costs no CPU work and no upload.
// Vertices sit at cell centres: cell (col, row) is at u_cell * (col + 0.5, row + 0.5) metres
// from the layer origin; row 0 is the southern edge.
#define SHADER_NAME terrain.vert
#include "lib/scale.glsl"

uniform mat4 u_mvp;              // projection * view * translate(origin), float64 on the CPU
uniform sampler2DArray t_values; // R32F cell values, NaN = no data
uniform ivec2 u_grid;            // (W, H) cells
uniform vec2 u_cell;             // cell size in metres (x, y)
uniform int u_step0;             // time steps blended: step0 → step1 by u_mix
uniform int u_step1;
uniform float u_mix;
uniform int u_scale;             // see lib/scale.glsl
uniform vec2 u_domain;           // scaled value range mapped to [0, 1]
uniform float u_max_height;      // metres at the top of the domain (exaggeration included)

out vec3 v_normal;
out float v_level;               // normalised scaled value, for the colour map
out float v_valid;               // 1 where the cell has data; fragments of holes are dropped
out vec3 v_local;                // position relative to the layer origin, metres

float value_at(ivec2 c) {
    c = clamp(c, ivec2(0), u_grid - 1);
    float a = texelFetch(t_values, ivec3(c, u_step0), 0).r;
    float b = texelFetch(t_values, ivec3(c, u_step1), 0).r;
    return mix(a, b, u_mix);
}

float level_of(float v) {
    return clamp((scale_value(v, u_scale) - u_domain.x) / max(u_domain.y - u_domain.x, 1e-30),
                 0.0, 1.0);
}

float height_at(ivec2 c, float fallback) {
    float v = value_at(c);
    return isnan(v) ? fallback : level_of(v) * u_max_height;
}

void main() {
    ivec2 cell = ivec2(gl_VertexID % u_grid.x, gl_VertexID / u_grid.x);
    float v = value_at(cell);
    v_valid = isnan(v) ? 0.0 : 1.0;
    v_level = isnan(v) ? 0.0 : level_of(v);
    float h = v_level * u_max_height;

    float hx0 = height_at(cell - ivec2(1, 0), h), hx1 = height_at(cell + ivec2(1, 0), h);
    float hy0 = height_at(cell - ivec2(0, 1), h), hy1 = height_at(cell + ivec2(0, 1), h);
    v_normal = normalize(vec3(-(hx1 - hx0) / (2.0 * u_cell.x), -(hy1 - hy0) / (2.0 * u_cell.y), 1.0));

    v_local = vec3((vec2(cell) + 0.5) * u_cell, h);
    gl_Position = u_mvp * vec4(v_local, 1.0);
}
