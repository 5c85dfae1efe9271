#version 330 core
// # regions.vert — extruded region prisms whose heights follow a value per region and step.
// Vertices carry only geometry (position relative to the layer origin, top/bottom flag, flat
// normal) and a region id; values of every time step sit in t_values (a texel per region, a
// layer per step), so a morph between years is a texelFetch and a mix — no upload.
// Value codes (lib/level.glsl): NaN = no value, -inf = hidden by disclosure control; both lie
// flat on the ground, marked by the fragment shader.
#define SHADER_NAME regions.vert
#include "lib/level.glsl"
#include "lib/values.glsl"

uniform mat4 u_mvp;              // projection * view * translate(origin)
uniform sampler2DArray t_values; // R32F value per region (texel id % width, id / width)
uniform int u_tex_width;         // texels per row of t_values
uniform int u_step0;             // time steps blended: step0 → step1 by u_mix
uniform int u_step1;
uniform float u_mix;
uniform vec2 u_domain;           // scaled colour domain → colour map 0…1
uniform vec2 u_heights;          // scaled height domain → 0…u_max_height
uniform float u_base_height;     // metres every region with data rises at least
uniform float u_max_height;      // metres added at the top of the height domain
uniform int u_change;            // 1: colour by the change u_change_steps.x → .y
uniform ivec2 u_change_steps;
uniform float u_change_range;

in vec2 a_position;              // metres from the layer origin
in float a_top;                  // 0 on the ground, 1 on the cap
in vec3 a_normal;                // flat: up for caps, outward for walls
in uint a_region;                // row of the region in the layer's value table

out vec3 v_normal;
out vec3 v_surface;              // position from the layer origin, metres
out float v_level;
#ifdef NO_DATA
out vec2 v_flags;                // x: has a value, y: hidden by disclosure control
#endif
flat out uint v_region;

void main() {
    // texel of the region, split in float (exact below 2^24): no scalarised integer division
    float id = float(a_region), width = float(u_tex_width);
    float row = floor((id + 0.5) / width);
    ivec2 texel = ivec2(int(id - row * width), int(row));
    float a = texelFetch(t_values, ivec3(texel, u_step0), 0).r;
    float b = texelFetch(t_values, ivec3(texel, u_step1), 0).r;
    float v = u_mix <= 0.0 ? a : u_mix >= 1.0 ? b : mix(a, b, u_mix);
    float h = a_top * (u_base_height + height_level_in(v, u_heights) * u_max_height);
#ifdef NO_DATA
    bool valid = has_value(v);
    bool hidden = u_mix <= 0.0 ? is_hidden(a) : u_mix >= 1.0 ? is_hidden(b)
                                              : is_hidden(a) || is_hidden(b);
    v_flags = vec2(valid ? 1.0 : 0.0, hidden ? 1.0 : 0.0);
    h = valid ? h : 0.0;
#endif
    v_level = level_in(v, u_domain);
    if (u_change == 1) {
        float c0 = texelFetch(t_values, ivec3(texel, u_change_steps.x), 0).r;
        float c1 = texelFetch(t_values, ivec3(texel, u_change_steps.y), 0).r;
#ifdef NO_DATA
        if (!has_value(c0) || !has_value(c1)) v_flags.x = 0.0;
#endif
        v_level = change_level(c1 - c0, u_change_range);
    }
    v_normal = a_normal;
    v_region = a_region;
    v_surface = vec3(a_position, h);
    gl_Position = u_mvp * vec4(a_position, h, 1.0);
}
