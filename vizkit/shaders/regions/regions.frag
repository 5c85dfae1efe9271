#version 330 core
// # regions.frag — colour-mapped prisms in soft light (lib/lighting.glsl): sky light from a
// hemisphere and a contact shade that darkens walls towards the ground (u_contact over the
// lowest u_contact_m metres), so prisms stand on the map instead of floating. Regions without
// a value are a calm no-data tint (or absent); hidden regions carry the protected pattern.
// Variants: CONTACT (the contact shade), SKY (lib/lighting.glsl); PICK writes
// (layer id, region row + 1) into an RG32UI id buffer instead of colour;
// NO_DATA (some value is not finite) compiles the tint / hole branch — without it there is no
// `discard`, which keeps early depth testing on.
#define SHADER_NAME regions.frag
#include "lib/lighting.glsl"
#include "lib/protected.glsl"
#include "lib/color.glsl"

in vec3 v_normal;
in vec3 v_surface;
in float v_level;
#ifdef NO_DATA
in vec2 v_flags;
#endif
flat in uint v_region;

#ifdef PICK
uniform uint u_pick_layer;
uniform float u_pick_no_data;  // 1: regions without a value answer picks (value NaN)
out uvec2 f_id;

void main() {
#ifdef NO_DATA
    if (v_flags.x < 0.5 && v_flags.y < 0.5 && u_pick_no_data < 0.5) discard;
#endif
    f_id = uvec2(u_pick_layer, v_region + 1u);
}
#else
uniform sampler2D t_colormap;  // 256×1 RGBA8 lookup table
uniform vec3 u_to_sun;
uniform float u_ambient;
uniform vec4 u_light;          // Light.uniform(): (sky, -, exposure, shadows)
uniform float u_contact;       // Light.contact: darkening at the foot of walls
uniform float u_contact_m;     // metres over which the contact shade fades out
uniform float u_pattern_m;     // metres between the protected pattern's lines
uniform vec4 u_no_data;        // colour of regions without data; alpha 0 = not drawn
uniform vec3 u_hidden_color;   // line colour of the protected pattern
out vec4 f_color;

void main() {
    vec3 base = texture(t_colormap, vec2((v_level * 255.0 + 0.5) / 256.0, 0.5)).rgb;
#ifdef NO_DATA
    vec3 withheld = protected_pattern(u_hidden_color, v_surface.xy / u_pattern_m);
    if (v_flags.x < 0.5) {
        if (v_flags.y >= 0.5) {
            base = withheld;
        } else {
            if (u_no_data.a <= 0.0) discard;
            base = u_no_data.rgb;
        }
    }
#endif
#ifdef CONTACT
    float wall = 1.0 - abs(v_normal.z);
    float contact = 1.0 - u_contact * wall * (1.0 - smoothstep(0.0, u_contact_m, v_surface.z));
#else
    float contact = 1.0;
#endif
    // shaded in display values, stored as linear light (the renderer tone-maps the frame once)
    vec3 rgb = shade(base, v_normal, u_to_sun, u_ambient, u_light, contact, 1.0);
    f_color = vec4(srgb_to_linear(rgb), 1.0);
}
#endif
