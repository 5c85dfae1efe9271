#version 330 core
// # terrain.vert — a height field over time steps, uploaded once, blended here.
// Cells are stored as tiles (lib/cells.glsl; a dense grid is one tile): the vertex id gives the
// tile and the cell inside it, so only the tiles around the data exist at all. The values of
// all steps sit in one vertex buffer, step after step: a_value0 / a_value1 are that buffer
// bound at the offsets of the two steps being blended (re-binding is a GL call, not an upload),
// so a vertex reads its own value as a plain attribute — the cheapest read there is on
// llvmpipe. Neighbours (vertex normals, stand-in heights) and the change view read t_values, an
// atlas of the same values (one layer per step) with an apron round each tile. Morphing costs
// no CPU work and no upload. Vertices sit at cell centres: cell (col, row) is at
// u_cell * (col + 0.5, row + 0.5) metres from the layer origin; row 0 is the southern edge.
//
// Value codes (lib/level.glsl): NaN no data, -inf hidden, +inf outside the footprint. Such a
// vertex is flagged (v_flags) and placed at the mean of its neighbours that have values, so the
// fragment shader can cut or mark it along the cell's edges (flags cross 0.5 half way between
// cell centres) without ever pulling the surface down to zero. Zero is "nobody here": ground
// colour, at height 0.
//
// Variants: TILED (tile origins from t_tiles), PIXEL_NORMALS (normals from screen-space
// derivatives in the fragment shader instead of four neighbour fetches here), NO_DATA (some
// stored value is not finite: the flags and stand-ins), LIGHT (sky and sun visibility per cell
// from the horizon pass, t_light0/1 in atlas layout), CONTOURS, PICK.
#define SHADER_NAME terrain.vert
#include "lib/level.glsl"
#include "lib/values.glsl"
#include "lib/cells.glsl"

uniform mat4 u_mvp;              // projection * view * translate(origin), float64 on the CPU
uniform sampler2DArray t_values; // R32F atlas of the encoded values, one layer per step
uniform vec2 u_cell;             // cell size in metres (x, y)
uniform int u_step0;             // time steps blended: step0 → step1 by u_mix
uniform int u_step1;
uniform float u_mix;
uniform vec2 u_domain;           // scaled colour domain → colour map 0…1
uniform vec2 u_heights;          // scaled height domain → 0…u_max_height
uniform float u_max_height;      // metres at the top of the height domain (exaggeration in)
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
uniform vec3 u_ground;           // colour of cells whose value is zero (value view)
out vec3 v_color;
#endif
out vec3 v_surface;              // position relative to the layer origin (metres)
#ifdef NO_DATA
out vec3 v_flags;                // x: has a value, y: hidden, z: inside the footprint
#endif
#ifdef LIGHT
uniform sampler2D t_light0;      // RG8 (sky visibility, sunlit) of step u_step0, atlas layout
uniform sampler2D t_light1;      // … of step u_step1
out vec2 v_light;
#endif
#ifdef CONTOURS
out float v_value;               // the value drawn (for contour lines)
#endif
#ifndef PIXEL_NORMALS
out vec3 v_normal;
#endif

float value_at(ivec2 texel) {
    return blend_steps(t_values, texel, u_step0, u_step1, u_mix);
}

float height_of(float v) {
    return height_level_in(v, u_heights) * u_max_height;
}

float mean_of_neighbours(ivec2 t) {
    float sum = 0.0, count = 0.0, n;
    n = value_at(t - ivec2(1, 0)); if (has_value(n)) { sum += n; count += 1.0; }
    n = value_at(t + ivec2(1, 0)); if (has_value(n)) { sum += n; count += 1.0; }
    n = value_at(t - ivec2(0, 1)); if (has_value(n)) { sum += n; count += 1.0; }
    n = value_at(t + ivec2(0, 1)); if (has_value(n)) { sum += n; count += 1.0; }
    return count > 0.0 ? sum / count : 0.0;
}

float height_at(ivec2 texel, float fallback) {
    float n = value_at(texel);
    return has_value(n) ? height_of(n) : fallback;
}

void main() {
    vec2 tile = vec2(u_tile);
#ifdef TILED
    ivec2 where = split(float(gl_VertexID), tile.x * tile.y);   // (cell in tile, slot)
    int slot = where.y;
    ivec2 in_tile = split(float(where.x), tile.x);
#else
    int slot = 0;
    ivec2 in_tile = split(float(gl_VertexID), tile.x);
#endif
    ivec2 cell = tile_origin(slot) + in_tile;
    float a = a_value0, b = a_value1;
    float v = u_mix <= 0.0 ? a : u_mix >= 1.0 ? b : mix(a, b, u_mix);
#if defined(NO_DATA) || defined(LIGHT) || !defined(PIXEL_NORMALS)
    ivec2 texel = atlas_texel(slot, in_tile);   // neighbours and light live in the atlas
#endif
#ifdef NO_DATA
    bool hidden = u_mix <= 0.0 ? is_hidden(a) : u_mix >= 1.0 ? is_hidden(b)
                                              : is_hidden(a) || is_hidden(b);
    bool valid = has_value(v);
    v_flags = vec3(valid ? 1.0 : 0.0, hidden ? 1.0 : 0.0, is_outside(a) ? 0.0 : 1.0);
    if (!valid) v = mean_of_neighbours(texel);  // a stand-in height, never zero
#endif
    float h = height_of(v);
#ifndef PIXEL_NORMALS
    float hx0 = height_at(texel - ivec2(1, 0), h), hx1 = height_at(texel + ivec2(1, 0), h);
    float hy0 = height_at(texel - ivec2(0, 1), h), hy1 = height_at(texel + ivec2(0, 1), h);
    v_normal = normalize(vec3(-(hx1 - hx0) / (2.0 * u_cell.x), -(hy1 - hy0) / (2.0 * u_cell.y),
                              1.0));
#endif
#ifdef CONTOURS
    v_value = v;
#endif
#ifdef LIGHT
    v_light = mix(texelFetch(t_light0, texel, 0).rg, texelFetch(t_light1, texel, 0).rg, u_mix);
#endif
    vec3 local = vec3((vec2(cell) + 0.5) * u_cell, h);
    v_surface = local;
#ifndef PICK
    float level = level_in(v, u_domain);
    if (u_change == 1) {
#if !(defined(NO_DATA) || defined(LIGHT) || !defined(PIXEL_NORMALS))
        ivec2 texel = atlas_texel(slot, in_tile);
#endif
        float c0 = texelFetch(t_values, ivec3(texel, u_change_steps.x), 0).r;
        float c1 = texelFetch(t_values, ivec3(texel, u_change_steps.y), 0).r;
#ifdef NO_DATA
        if (!has_value(c0) || !has_value(c1)) v_flags.x = 0.0;
#endif
        level = change_level(c1 - c0, u_change_range);
    }
    v_color = (u_change == 0 && v == 0.0) ? u_ground
        : textureLod(t_colormap, vec2((level * 255.0 + 0.5) / 256.0, 0.5), 0.0).rgb;
#endif
    gl_Position = u_mvp * vec4(local, 1.0);
}
