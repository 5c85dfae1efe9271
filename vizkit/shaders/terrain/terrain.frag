#version 330 core
// # terrain.frag — colour-mapped, softly lit terrain (lib/lighting.glsl). Cells outside the
// footprint are cut away; cells without data are holes or a calm no-data tint; cells hidden by
// disclosure control carry the protected pattern (lib/protected.glsl) — never zero. The cuts
// follow the cell edges: the flags interpolated from the vertices cross 0.5 half way between
// cell centres.
// Variants (#define): NO_DATA (some stored value is not finite) compiles the cut / tint branch —
// without it there is no `discard`, which keeps early depth testing on (llvmpipe shades hidden
// fragments of a shader that may discard); PIXEL_NORMALS lights with the normal of the
// triangle under the fragment (derivatives of the surface position) instead of the vertex
// normal; LIGHT takes sky and sun visibility from the horizon pass; CONTOURS draws iso-lines
// every u_contour_interval value units; PICK writes (layer id, cell index + 1) into an RG32UI
// id buffer instead of colour.
#define SHADER_NAME terrain.frag
#include "lib/lighting.glsl"
#include "lib/contours.glsl"
#include "lib/protected.glsl"
#include "lib/color.glsl"

uniform ivec2 u_grid;          // (W, H) cells
uniform vec2 u_cell;           // cell size in metres

in vec3 v_surface;             // position from the layer origin, metres
#ifdef NO_DATA
in vec3 v_flags;               // x: has a value, y: hidden, z: inside the footprint
#endif
#ifdef CONTOURS
in float v_value;
#endif
#ifndef PIXEL_NORMALS
in vec3 v_normal;
#endif
#ifdef LIGHT
in vec2 v_light;               // (sky visibility, sunlit) from the horizon pass
#endif

#ifdef PICK
uniform uint u_pick_layer;     // the picker's id of this layer (0 = nothing)
uniform float u_pick_no_data;  // 1: no-data cells answer picks (value NaN); hidden cells do
out uvec2 f_id;

void main() {
#ifdef NO_DATA
    if (v_flags.z < 0.5) discard;
    if (v_flags.x < 0.5 && v_flags.y < 0.5 && u_pick_no_data < 0.5) discard;
#endif
    ivec2 cell = clamp(ivec2(floor(v_surface.xy / u_cell)), ivec2(0), u_grid - 1);
    f_id = uvec2(u_pick_layer, uint(cell.y * u_grid.x + cell.x) + 1u);
}
#else
in vec3 v_color;               // colour-map (or ground) colour, looked up per vertex
uniform vec3 u_to_sun;         // unit vector towards the sun
uniform float u_ambient;       // share of sky light; 1 = unlit
uniform vec4 u_light;          // Light.uniform(): (sky, -, exposure, shadows)
uniform float u_occlusion;     // Light.occlusion
uniform vec4 u_no_data;        // colour of no-data cells; alpha 0 = holes
uniform vec3 u_hidden_color;   // line colour of the protected pattern
uniform float u_contour_interval;
uniform vec4 u_contour_color;  // rgb + opacity of contour lines
out vec4 f_color;

void main() {
    vec3 base = v_color;
#ifdef NO_DATA
    // The pattern takes derivatives, so it is evaluated outside any branch on the flags.
    vec3 withheld = protected_pattern(u_hidden_color, v_surface.xy / u_cell * 2.0);
    if (v_flags.z < 0.5) discard;                       // outside the footprint
    if (v_flags.x < 0.5) {
        if (v_flags.y >= 0.5) {
            base = withheld;
        } else {
            if (u_no_data.a <= 0.0) discard;
            base = u_no_data.rgb;
        }
    }
#endif
#ifdef PIXEL_NORMALS
    vec3 normal = cross(dFdx(v_surface), dFdy(v_surface));
    normal = normal.z < 0.0 ? -normal : normal;   // face up whatever the screen orientation
#else
    vec3 normal = v_normal;
#endif
#ifdef LIGHT
    float open_sky = 1.0 - u_occlusion * (1.0 - v_light.x);
    float sunlit = v_light.y;
#else
    float open_sky = 1.0, sunlit = 1.0;
#endif
    vec3 rgb = shade(base, normal, u_to_sun, u_ambient, u_light, open_sky, sunlit);
#ifdef CONTOURS
    float line = contour_strength(v_value, u_contour_interval, 1.25);
#ifdef NO_DATA
    line *= step(0.5, v_flags.x);
#endif
    rgb = mix(rgb, u_contour_color.rgb, line * u_contour_color.a);
#endif
    // shaded in display values (the colour map's), stored as linear light: the renderer's
    // final pass tone-maps and encodes the frame once (docs/look.md)
    f_color = vec4(srgb_to_linear(rgb), 1.0);
}
#endif
