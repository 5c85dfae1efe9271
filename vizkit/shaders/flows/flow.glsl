// # flows/flow.glsl — what every flows shader knows about one flow: its endpoints, style, how
// many particles it shows at the current time, and the arc its particles ride.
//
// Per-flow data lives in textures uploaded once (see vizkit/layers/flows.py):
//   t_flows   RGBA32F, 3 texels per flow, row-wrapped: (origin.xy, destination.xy),
//             (origin.z, destination.z, origin location id, destination location id),
//             (palette index, size level 0–1, ring scale, -); ids exact up to 2^24 locations
//   t_counts  R32F, one texel per (flow, time bin): particles the flow shows in that bin
//             (volume × particles_per_unit, before rounding), row-wrapped, bins fastest.
// Positions are metres relative to the layer origin.
#include "lib/hash.glsl"

uniform sampler2D t_flows;
uniform sampler2D t_counts;
uniform int u_bins;             // time bins per flow (1 without a time column)
uniform int u_bin0;             // bins blended: bin0 → bin1 by u_bin_mix
uniform int u_bin1;
uniform float u_bin_mix;
uniform float u_min_particles;  // a flow with a positive count shows at least this many
uniform float u_arc_height;     // arc peak above the chord, as a share of the chord length
uniform float u_bend;           // sideways offset of the arc's middle (to the right of travel)
uniform float u_spread;         // lane width of a flow's particle ribbon, share of chord length
uniform float u_ring_radius;    // radius (metres) of origin == destination rings
uniform bool u_heights_or_ids;  // endpoints have heights, or a location is selected

const float PI = 3.14159265358979;

// Textures wrap rows every 4096 texels (TEXTURE_WIDTH in flows.py; a single shorter row when
// there are fewer). Shifts, not % and /: integer division is scalarised on CPU rasterisers.
vec4 texel_at(sampler2D tex, int index) {
    return texelFetch(tex, ivec2(index & 4095, index >> 12), 0);
}

struct Flow {
    vec3 origin;
    vec3 destination;
    int origin_id;
    int destination_id;
    float palette;  // row of the palette texture
    float size;     // size level 0–1 (by volume)
    float ring;     // ring radius as a share of u_ring_radius (origin == destination)
};

Flow flow_at(int i) {
    vec4 a = texel_at(t_flows, 3 * i);
    // Heights and location ids only when something needs them: each texel fetch is a large
    // share of the vertex cost on CPU rasterisers (a uniform branch skips it for all).
    vec4 b = u_heights_or_ids ? texel_at(t_flows, 3 * i + 1) : vec4(0.0, 0.0, -1.0, -1.0);
#ifdef UNIFORM_STYLE
    vec4 c = vec4(0.0, 0.0, 1.0, 0.0);  // one colour (palette 0), one size, rings at full size
#else
    vec4 c = texel_at(t_flows, 3 * i + 2);
#endif
    return Flow(vec3(a.xy, b.x), vec3(a.zw, b.y), int(b.z), int(b.w), c.x, c.y, c.z);
}

// Particles shown at the current (fractional) time bin: the count interpolated between bins,
// rounded half up; any positive count shows at least u_min_particles. The CPU mirror is
// Flows.visible_counts().
float flow_count(int i) {
    float a = texel_at(t_counts, i * u_bins + u_bin0).r;
    float b = texel_at(t_counts, i * u_bins + u_bin1).r;
    float c = mix(a, b, u_bin_mix);
    return c > 0.0 ? max(floor(c + 0.5), u_min_particles) : 0.0;
}

// Point at phase s (0 = origin, 1 = destination) of the arc of a flow; `lane` in [-1, 1]
// spreads particles across a ribbon that narrows to the endpoints.
// Arc: quadratic Bezier whose middle is lifted by u_arc_height × chord and pushed right of the
// direction of travel by u_bend × chord, so A→B and B→A ride on opposite sides.
// Origin == destination: a horizontal ring of f.ring × u_ring_radius around the place, a
// little lifted.
vec3 flow_arc(Flow f, float s, float lane) {
    vec3 delta = f.destination - f.origin;
    float chord = length(delta.xy);
    if (chord < 1e-3) {
        float a = 2.0 * PI * s;
        float r = f.ring * u_ring_radius * (1.0 + 0.6 * lane);
        return f.origin + vec3(r * cos(a), r * sin(a), 0.3 * f.ring * u_ring_radius);
    }
    vec2 dir = delta.xy / chord;
    vec3 right = vec3(dir.y, -dir.x, 0.0);
    vec3 control = 0.5 * (f.origin + f.destination)
                 + 2.0 * chord * (vec3(0.0, 0.0, u_arc_height) + u_bend * right);
    float u = 1.0 - s;
    vec3 p = u * u * f.origin + 2.0 * s * u * control + s * s * f.destination;
    return p + right * (lane * u_spread * chord * 4.0 * s * u);
}
