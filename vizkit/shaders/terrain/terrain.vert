#version 330 core
// # terrain.vert — a height field over time steps, uploaded once, blended here.
// The grid position comes from gl_VertexID. The values of all steps sit in one vertex buffer,
// step after step: a_value0 / a_value1 are that buffer bound at the offsets of the two steps
// being blended (re-binding is a GL call, not an upload), so a vertex reads its own value as a
// plain attribute — the cheapest read there is on llvmpipe. Neighbours (vertex normals, the
// no-data stand-in) and the change view read the same values from t_values, a texture array
// with one layer per step. Morphing between years costs no CPU work and no upload.
// Vertices sit at cell centres: cell (col, row) is at u_cell * (col + 0.5, row + 0.5) metres
// from the layer origin; row 0 is the southern edge.
//
// No data: a NaN vertex is flagged (v_valid = 0) and placed at the mean of its valid
// neighbours, so the fragment shader can cut it out along the cell edges (v_valid < 0.5) —
// a hole, or a grey patch — without ever pulling the surface down to zero.
//
// Variant PIXEL_NORMALS: normals come from screen-space derivatives in the fragment shader
// instead of four neighbour fetches here. On a big grid (a triangle ≈ a pixel) the picture is
// the same and the vertex stage — which llvmpipe runs on the CPU — does one fetch per step
// instead of five; on small grids the vertex normals keep the surface smooth. Variant
// NO_DATA (the values hold NaN) adds the validity flag the fragment shader cuts holes with.
#define SHADER_NAME terrain.vert
#include "lib/values.glsl"

uniform mat4 u_mvp;              // projection * view * translate(origin), float64 on the CPU
uniform sampler2DArray t_values; // R32F cell values, NaN = no data
uniform ivec2 u_grid;            // (W, H) cells
uniform vec2 u_cell;             // cell size in metres (x, y)
uniform int u_step0;             // time steps blended: step0 → step1 by u_mix
uniform int u_step1;
uniform float u_mix;
uniform vec2 u_domain;           // scaled value range mapped to [0, 1]
uniform float u_max_height;      // metres at the top of the domain (exaggeration included)
uniform int u_change;            // 1: colour by the change u_change_steps.x → .y
uniform ivec2 u_change_steps;
uniform float u_change_range;    // change (value units) at either end of the diverging map

in float a_value0;               // this cell's value at step u_step0
in float a_value1;               // this cell's value at step u_step1

// Few varyings on purpose: llvmpipe sets up every interpolated component of every triangle.
#ifndef PICK
// The colour is looked up per vertex: a grid vertex per cell centre is as fine as the data, and
// one lookup per vertex instead of per fragment keeps llvmpipe's fill cost at the floor's.
uniform sampler2D t_colormap;    // 256×1 RGBA8 lookup table, linear filtering
out vec3 v_color;
#endif
out vec4 v_surface;              // xyz: position relative to the layer origin (metres),
                                 // w: colour-map position 0…1
#ifdef NO_DATA
out float v_valid;               // 1 where the cell has data; < 0.5 is a hole / grey
#endif
#ifdef CONTOURS
out float v_value;               // the value drawn (for contour lines)
#endif
#ifndef PIXEL_NORMALS
out vec3 v_normal;
#endif

float value_at(ivec2 c) {
    return blend_steps(t_values, clamp(c, ivec2(0), u_grid - 1), u_step0, u_step1, u_mix);
}

// The layer's scale is fixed, so it is a define (SCALE 0 linear, 1 sqrt, 2 log1p — the same
// transforms as lib/scale.glsl) rather than a branch per vertex.
float level_of(float v) {
#if SCALE == 1
    v = sqrt(max(v, 0.0));
#elif SCALE == 2
    v = log(1.0 + max(v, 0.0));
#endif
    return clamp((v - u_domain.x) / max(u_domain.y - u_domain.x, 1e-30), 0.0, 1.0);
}

float mean_of_valid_neighbours(ivec2 c) {
    float sum = 0.0, count = 0.0, n;
    n = value_at(c - ivec2(1, 0)); if (!isnan(n)) { sum += n; count += 1.0; }
    n = value_at(c + ivec2(1, 0)); if (!isnan(n)) { sum += n; count += 1.0; }
    n = value_at(c - ivec2(0, 1)); if (!isnan(n)) { sum += n; count += 1.0; }
    n = value_at(c + ivec2(0, 1)); if (!isnan(n)) { sum += n; count += 1.0; }
    return count > 0.0 ? sum / count : 0.0;
}

float height_at(ivec2 c, float fallback) {
    float n = value_at(c);
    return isnan(n) ? fallback : level_of(n) * u_max_height;
}

void main() {
    // Row and column from the vertex id in float (exact below 2^24 vertices): vector integer
    // division has no SIMD instruction on CPUs, so llvmpipe would scalarise it.
    float id = float(gl_VertexID), width = float(u_grid.x);
    float row = floor((id + 0.5) / width);
    ivec2 cell = ivec2(int(id - row * width), int(row));
    float v = u_mix <= 0.0 ? a_value0 : u_mix >= 1.0 ? a_value1 : mix(a_value0, a_value1, u_mix);
#ifdef NO_DATA
    bool valid = !isnan(v);
    if (!valid) v = mean_of_valid_neighbours(cell);  // a stand-in height, never zero
    v_valid = valid ? 1.0 : 0.0;
#endif
    float level = level_of(v);
    float h = level * u_max_height;
#ifndef PIXEL_NORMALS
    float hx0 = height_at(cell - ivec2(1, 0), h), hx1 = height_at(cell + ivec2(1, 0), h);
    float hy0 = height_at(cell - ivec2(0, 1), h), hy1 = height_at(cell + ivec2(0, 1), h);
    v_normal = normalize(vec3(-(hx1 - hx0) / (2.0 * u_cell.x), -(hy1 - hy0) / (2.0 * u_cell.y),
                              1.0));
#endif
#ifdef CONTOURS
    v_value = v;
#endif
    if (u_change == 1) {
        ivec2 c = clamp(cell, ivec2(0), u_grid - 1);
        float a = texelFetch(t_values, ivec3(c, u_change_steps.x), 0).r;
        float b = texelFetch(t_values, ivec3(c, u_change_steps.y), 0).r;
#ifdef NO_DATA
        if (isnan(a) || isnan(b)) v_valid = 0.0;
#endif
        level = change_level(b - a, u_change_range);
    }
    vec3 local = vec3((vec2(cell) + 0.5) * u_cell, h);
    v_surface = vec4(local, level);
#ifndef PICK
    v_color = textureLod(t_colormap, vec2((level * 255.0 + 0.5) / 256.0, 0.5), 0.0).rgb;
#endif
    gl_Position = u_mvp * vec4(local, 1.0);
}
