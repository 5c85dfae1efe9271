#version 330 core
// # horizon.frag — how open the sky is above each cell, and whether the sun reaches it, for one
// time step: written once per step into an RG8 texture laid out like the values atlas (a texel
// per stored cell), then read per vertex by terrain.vert. The GPU way to rayshader's
// ambient_shade and ray_shade, in milliseconds rather than minutes.
//
// Ambient occlusion (horizon-based): march DIRECTIONS directions over the height field, SAMPLES
// samples each at distances growing quadratically up to u_search cells; in each direction keep
// the highest horizon elevation θ; the sky seen is the mean of (1 - sin θ). Sun: the same march
// towards the sun (SUN_SAMPLES samples up to u_sun_search cells); the cell is sunlit by how far
// the sun stands above that horizon, over a penumbra of u_softness radians — soft, never a hard
// edge. Cells without a value (and cells not stored) count as height 0.
#define SHADER_NAME horizon.frag
#include "lib/level.glsl"
#include "lib/cells.glsl"

#define DIRECTIONS 8
#define SAMPLES 6
#define SUN_SAMPLES 12

uniform sampler2DArray t_values; // R32F atlas of the encoded values, one layer per step
uniform int u_step;              // the step to light
uniform int u_tiles;             // stored tiles
uniform ivec2 u_grid;            // (W, H) cells
uniform vec2 u_cell;             // cell size in metres
uniform vec2 u_heights;          // scaled height domain → 0…u_max_height
uniform float u_max_height;      // metres (exaggeration included)
uniform vec2 u_sun_dir;          // unit horizontal direction towards the sun (x, y)
uniform float u_sun_elevation;   // radians
uniform float u_softness;        // penumbra, radians
uniform float u_search;          // occlusion search radius, cells
uniform float u_sun_search;      // shadow search length, cells
out vec2 f_light;                // x: sky visibility 0…1, y: sunlit 0…1

float height_of_value(float v) {
    return has_value(v) ? height_level_in(v, u_heights) * u_max_height : 0.0;
}

// Height of grid cell `c` (0 when not stored or outside the grid).
float height_of_cell(ivec2 c) {
    if (any(lessThan(c, ivec2(0))) || any(greaterThanEqual(c, u_grid))) return 0.0;
#ifdef TILED
    ivec2 block = ivec2(c.x / u_tile.x, c.y / u_tile.y);
    int slot = texelFetch(t_pages, block, 0).r;
    if (slot < 0) return 0.0;
    ivec2 texel = atlas_texel(slot, c - block * u_tile);
#else
    ivec2 texel = c + 1;
#endif
    return height_of_value(texelFetch(t_values, ivec3(texel, u_step), 0).r);
}

// Highest tan(elevation) of the terrain seen from `c` (height h0) along unit direction `dir`.
float horizon(ivec2 c, float h0, vec2 dir, float reach, int samples) {
    float best = 0.0;
    for (int i = 0; i < samples; ++i) {
        float t = (float(i) + 1.0) / float(samples);
        float d = max(1.0, reach * t * t);
        vec2 offset = floor(dir * d + 0.5);
        if (offset == vec2(0.0)) continue;
        float dist = length(offset * u_cell);
        best = max(best, (height_of_cell(c + ivec2(offset)) - h0) / dist);
    }
    return best;
}

void main() {
    ivec2 texel = ivec2(gl_FragCoord.xy);
    ivec2 per = u_tile + 2;
    ivec2 atile = ivec2(texel.x / per.x, texel.y / per.y);
    ivec2 in_tile = texel - atile * per - 1;
    int slot = atile.y * u_atlas_tiles + atile.x;
    if (slot >= u_tiles || any(lessThan(in_tile, ivec2(0))) || any(greaterThanEqual(in_tile, u_tile))) {
        f_light = vec2(1.0);   // an apron or an unused texel: never read
        return;
    }
    float own = texelFetch(t_values, ivec3(texel, u_step), 0).r;
    if (is_outside(own)) {
        f_light = vec2(1.0);   // outside the footprint: never drawn (its light only closes
        return;                // the rim quads' far halves, which are cut away)
    }
    ivec2 c = tile_origin(slot) + in_tile;
    float h0 = height_of_value(own);
    float sky = 0.0;
    for (int k = 0; k < DIRECTIONS; ++k) {
        float a = (float(k) + 0.5) * 6.28318531 / float(DIRECTIONS);
        float tan_h = horizon(c, h0, vec2(cos(a), sin(a)), u_search, SAMPLES);
        sky += 1.0 - tan_h / sqrt(1.0 + tan_h * tan_h);            // 1 - sin(θ)
    }
    float sun_h = atan(horizon(c, h0, u_sun_dir, u_sun_search, SUN_SAMPLES));
    float sunlit = smoothstep(-u_softness, u_softness, u_sun_elevation - sun_h);
    f_light = vec2(sky / float(DIRECTIONS), sunlit);
}
