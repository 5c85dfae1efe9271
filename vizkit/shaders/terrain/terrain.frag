#version 330 core
// # terrain.frag — colour-mapped, lit terrain; cells without data are holes or flat grey,
// never zero. Variants (#define): CONTOURS draws iso-lines every u_contour_interval value
// units; PICK writes (layer id, cell index + 1) into an RG32UI id buffer instead of colour;
// PIXEL_NORMALS lights with the normal of the triangle under the fragment (derivatives of the
// surface position) instead of the interpolated vertex normal; NO_DATA (set when the values
// hold NaN) compiles the hole / grey branch — without it there is no `discard`, which keeps
// early depth testing on (llvmpipe shades hidden fragments of a shader that may discard).
#define SHADER_NAME terrain.frag
#include "lib/lighting.glsl"
#include "lib/contours.glsl"
#include "lib/color.glsl"

uniform ivec2 u_grid;          // (W, H) cells
uniform vec2 u_cell;           // cell size in metres

in vec4 v_surface;              // xyz: position from the layer origin, w: colour-map position
#ifdef NO_DATA
in float v_valid;
#endif
#ifdef CONTOURS
in float v_value;
#endif
#ifndef PIXEL_NORMALS
in vec3 v_normal;
#endif

#ifdef HIDDEN
// Cells hidden by disclosure control (NaN in the values, like no data, but marked): an R8 mask
// per time step, read for the cell under the fragment in the two steps being blended.
uniform sampler2DArray t_hidden;
uniform ivec2 u_hidden_steps;

bool hidden_cell() {
    ivec2 cell = clamp(ivec2(floor(v_surface.xy / u_cell)), ivec2(0), u_grid - 1);
    return texelFetch(t_hidden, ivec3(cell, u_hidden_steps.x), 0).r > 0.5
        || texelFetch(t_hidden, ivec3(cell, u_hidden_steps.y), 0).r > 0.5;
}
#endif

#ifdef PICK
uniform uint u_pick_layer;
uniform float u_pick_no_data;  // 1: grey no-data / hidden cells answer picks (value NaN)     // the picker's id of this layer (0 = nothing)
out uvec2 f_id;

void main() {
#ifdef NO_DATA
#ifdef HIDDEN
    if (v_valid < 0.5 && u_pick_no_data < 0.5 && !hidden_cell()) discard;
#else
    if (v_valid < 0.5 && u_pick_no_data < 0.5) discard;
#endif
#endif
    ivec2 cell = clamp(ivec2(floor(v_surface.xy / u_cell)), ivec2(0), u_grid - 1);
    f_id = uvec2(u_pick_layer, uint(cell.y * u_grid.x + cell.x) + 1u);
}
#else
in vec3 v_color;               // colour-map colour, looked up per vertex
uniform vec3 u_to_sun;         // unit vector towards the sun
uniform float u_ambient;
uniform vec4 u_no_data;        // colour of no-data cells; alpha 0 = holes
uniform vec4 u_hidden_color;   // colour of cells hidden by disclosure control (HIDDEN)
uniform float u_contour_interval;
uniform vec4 u_contour_color;  // rgb + opacity of contour lines
out vec4 f_color;

void main() {
    vec3 base = v_color;  // looked up per vertex (terrain.vert)
#ifdef NO_DATA
    if (v_valid < 0.5) {
#ifdef HIDDEN
        if (hidden_cell()) {
            // Hatched: diagonal screen-space stripes 4 px wide, so hidden reads as "withheld"
            // at any zoom (world-space stripes would alias on a big grid).
            float stripe = step(0.5, fract((gl_FragCoord.x + gl_FragCoord.y) / 8.0));
            f_color = vec4(srgb_to_linear(u_hidden_color.rgb * mix(0.55, 1.0, stripe)), 1.0);
            return;
        }
#endif
        if (u_no_data.a <= 0.0) discard;
        base = u_no_data.rgb;
    }
#endif
#ifdef PIXEL_NORMALS
    vec3 normal = cross(dFdx(v_surface.xyz), dFdy(v_surface.xyz));
    normal = normal.z < 0.0 ? -normal : normal;   // face up whatever the screen orientation
#else
    vec3 normal = v_normal;
#endif
    vec3 rgb = lit(base, normal, u_to_sun, u_ambient);
#ifdef CONTOURS
    float line = contour_strength(v_value, u_contour_interval, 1.25);
#ifdef NO_DATA
    line *= step(0.5, v_valid);
#endif
    rgb = mix(rgb, u_contour_color.rgb, line * u_contour_color.a);
#endif
    f_color = vec4(srgb_to_linear(rgb), 1.0);  // the scene target holds linear light
}
#endif
