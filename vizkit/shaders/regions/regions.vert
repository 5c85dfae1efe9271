#version 330 core
// # regions.vert — extruded region prisms whose heights follow a value per region and step.
// Vertices carry only geometry (position relative to the layer origin, top/bottom flag, flat
// normal) and a region id; values of every time step sit in t_values (a texel per region, a
// layer per step), so a morph between years is a texelFetch and a mix — no upload.
#define SHADER_NAME regions.vert
#include "lib/values.glsl"

uniform mat4 u_mvp;              // projection * view * translate(origin)
uniform sampler2DArray t_values; // R32F value per region (texel id % width, id / width); NaN = none
uniform int u_tex_width;         // texels per row of t_values
uniform int u_step0;             // time steps blended: step0 → step1 by u_mix
uniform int u_step1;
uniform float u_mix;
uniform vec2 u_domain;           // scaled value range mapped to [0, 1]
uniform float u_base_height;     // metres every region with data rises at least
uniform float u_max_height;      // metres added at the top of the domain
uniform int u_change;            // 1: colour by the change u_change_steps.x → .y
uniform ivec2 u_change_steps;
uniform float u_change_range;

in vec2 a_position;              // metres from the layer origin
in float a_top;                  // 0 on the ground, 1 on the cap
in vec3 a_normal;                // flat: up for caps, outward for walls
in uint a_region;                // row of the region in the layer's value table

out vec3 v_normal;
out float v_level;
#ifdef NO_DATA
out float v_valid;               // variant NO_DATA: some region has no value in some step
#endif
flat out uint v_region;

// The layer's scale is fixed: a define (SCALE 0 linear, 1 sqrt, 2 log1p, as lib/scale.glsl).
float scaled(float v) {
#if SCALE == 1
    return sqrt(max(v, 0.0));
#elif SCALE == 2
    return log(1.0 + max(v, 0.0));
#else
    return v;
#endif
}

void main() {
    // texel of the region, split in float (exact below 2^24): no scalarised integer division
    float id = float(a_region), width = float(u_tex_width);
    float row = floor((id + 0.5) / width);
    ivec2 texel = ivec2(int(id - row * width), int(row));
    float v = blend_steps(t_values, texel, u_step0, u_step1, u_mix);
#ifdef NO_DATA
    bool valid = !isnan(v);
    v_valid = valid ? 1.0 : 0.0;
    v = valid ? v : u_domain.x;
#endif
    float level = clamp((scaled(v) - u_domain.x) / max(u_domain.y - u_domain.x, 1e-30), 0.0, 1.0);
    float h = a_top * (u_base_height + level * u_max_height);
#ifdef NO_DATA
    h = valid ? h : 0.0;
#endif
    v_level = level;
    if (u_change == 1) {
        float a = texelFetch(t_values, ivec3(texel, u_change_steps.x), 0).r;
        float b = texelFetch(t_values, ivec3(texel, u_change_steps.y), 0).r;
#ifdef NO_DATA
        if (isnan(a) || isnan(b)) v_valid = 0.0;
#endif
        v_level = change_level(b - a, u_change_range);
    }
    v_normal = a_normal;
    v_region = a_region;
    gl_Position = u_mvp * vec4(a_position, h, 1.0);
}
