#version 330 core
// # flows/particles.vert — stateless flow particles.
// A particle is (a_flow, a_seed) in a static buffer uploaded once; a_seed is also the
// particle's rank within its flow. Its position is a pure function of those two integers and
// u_time: no per-frame CPU work, no upload, the same picture for the same t on every run.
//   phase  = fract(golden-ratio offset of the rank + hash(flow) + u_time × speed / u_trip),
//            so the first n ranks of a flow are evenly spread along the arc whatever n is;
//   shown  = rank < flow_count(flow) (time bins interpolated; see flow.glsl);
//   where  = flow_arc(flow, phase, lane) with lane = hash(flow, seed) in [-1, 1].
// Variants (defines):
//   LINES    two vertices per particle (the buffer holds each particle twice; gl_VertexID & 1
//            is the end): a one-pixel line from the arc point u_tail phases behind (dark) to
//            the head (bright), at most LINE_MAX_PX long on screen, its light times the
//            particle's width so a flow carries as much light as its streaks would. The
//            default: stateless and about 1.4× points on a CPU rasteriser (a line is one cheap
//            primitive; a capsule two triangles).
//   STREAKS  instanced: 4 vertices per particle make a screen-space capsule from the arc point
//            u_tail phases behind to the head; the fragment shader fades it towards the tail.
//   (none)   one GL point per particle (gl_PointSize); SOFT_POINTS: the fragment shader
//            draws a soft disc.
//   UNIFORM_STYLE  every flow has the same colour and size: no style texel is fetched.
//   PROBE    transform feedback: writes v_position (metres from the layer origin) and
//            v_visible; u_probe_phase >= 0 replaces every particle's phase.
#define SHADER_NAME flows/particles.vert
#include "flows/flow.glsl"

uniform mat4 u_mvp;             // projection * view * translate(layer origin)
uniform float u_time;           // seconds
uniform float u_trip;           // seconds a particle takes from origin to destination
uniform float u_speed_jitter;   // ± share of speed varied per particle
uniform float u_tail;           // tail length as a share of the trip (STREAKS)
uniform vec2 u_size_px;         // particle width in pixels at size level 0 and 1, at 720 px
uniform float u_px_scale;       // viewport height / 720: a 4K dome face looks like 720p
uniform vec2 u_viewport;        // pixels
uniform int u_selected;         // location id highlighted, -1 for none
uniform float u_dim;            // brightness of flows not touching the selection
uniform float u_intensity;      // brightness multiplier (additive blending)
uniform float u_ring_light;     // extra multiplier for origin == destination rings
uniform sampler2D t_palette;    // 256×1 RGBA32F linear light: category colours or a colour map
uniform vec3 u_color;           // UNIFORM_STYLE: the one colour (palette row 0), linear
#ifdef PROBE
uniform float u_probe_phase;
#endif

in uint a_flow;
in uint a_seed;

#ifdef PROBE
out vec3 v_position;
out float v_visible;
#else
out vec3 v_color;
#ifdef STREAKS
noperspective out vec2 v_local;  // pixels: x along the streak from its tail, y across
flat out float v_length;         // streak length in pixels (tail → head)
flat out float v_radius;         // half width in pixels
#endif
#endif

const vec4 HIDDEN = vec4(2.0, 2.0, 2.0, 1.0);  // outside the clip volume: nothing is drawn
const float LINE_MAX_PX = 12.0;                 // LINES: longest trail, pixels at 720 px high

float particle_phase(uint flow, uint seed) {
    uint key = hash_u32(flow);
    float base = float((seed * 2654435769u + key) >> 8) * (1.0 / 16777216.0);
    float speed = 1.0 + u_speed_jitter * (2.0 * hash_unit(seed ^ hash_u32(key)) - 1.0);
    return fract(base + u_time * speed / u_trip);
}

float particle_lane(uint flow, uint seed) {
    return 2.0 * hash_unit(hash_u32(flow + 0x9e3779b9u) ^ seed) - 1.0;
}

void main() {
    int i = int(a_flow);
    Flow f = flow_at(i);
    // one time bin: every allocated particle is shown (skip the count fetches)
    bool shown = u_bins == 1 || float(a_seed) < flow_count(i);
    float s = particle_phase(a_flow, a_seed);
    float lane = particle_lane(a_flow, a_seed);
#ifdef PROBE
    if (u_probe_phase >= 0.0) s = u_probe_phase;
    v_position = flow_arc(f, s, lane);
    v_visible = shown ? 1.0 : 0.0;
    gl_Position = vec4(v_position, 1.0);
#else
    float light = u_intensity;
    if (all(equal(f.origin.xy, f.destination.xy))) light *= u_ring_light;
    if (u_selected >= 0 && f.origin_id != u_selected && f.destination_id != u_selected) {
        light *= u_dim;
    }
#ifdef UNIFORM_STYLE
    vec3 color = u_color * light;
#else
    vec3 color = texelFetch(t_palette, ivec2(int(f.palette), 0), 0).rgb * light;
#endif
    float width = mix(u_size_px.x, u_size_px.y, f.size) * u_px_scale;
#ifdef LINES
    // the tail end, pulled towards the head where the line would be longer on screen than
    // LINE_MAX_PX (at 720 px high): a trail is a short blur of motion, and its cost is its
    // length in pixels
    vec4 h = u_mvp * vec4(flow_arc(f, s, lane), 1.0);
    vec4 t = u_mvp * vec4(flow_arc(f, max(s - u_tail, 0.0), lane), 1.0);
    if (h.w > 0.0 && t.w > 0.0) {
        vec2 half_vp = 0.5 * u_viewport;
        vec2 hp = h.xy / h.w * half_vp;
        vec2 tp = t.xy / t.w * half_vp;
        float len = length(hp - tp);
        float most = LINE_MAX_PX * u_px_scale;
        if (len > most) t = vec4(mix(hp, tp, most / len) / half_vp * t.w, t.zw);
    }
    bool at_head = (gl_VertexID & 1) == 1;
    v_color = at_head ? color * width : vec3(0.0);
    gl_Position = shown ? (at_head ? h : t) : HIDDEN;
#else
    vec3 head = flow_arc(f, s, lane);
    vec4 h = u_mvp * vec4(head, 1.0);
#endif
#ifdef LINES
#elif defined(STREAKS)
    v_color = color;
    vec3 tail = flow_arc(f, max(s - u_tail, 0.0), lane);
    vec4 t = u_mvp * vec4(tail, 1.0);
    if (!shown || h.w <= 0.0 || t.w <= 0.0) {
        gl_Position = HIDDEN;
        return;
    }
    vec2 half_vp = 0.5 * u_viewport;
    vec2 hp = h.xy / h.w * half_vp;
    vec2 tp = t.xy / t.w * half_vp;
    vec2 axis = hp - tp;
    float len = length(axis);
    vec2 dir = len > 1e-3 ? axis / len : vec2(1.0, 0.0);
    vec2 across = vec2(-dir.y, dir.x);
    float r = 0.5 * width + 0.5;  // half a pixel more for the soft edge
    int corner = gl_VertexID & 3;  // strip: tail-, tail+, head-, head+
    bool at_head = corner >= 2;
    float side = (corner & 1) == 0 ? -1.0 : 1.0;
    vec2 px = (at_head ? hp + dir * r : tp - dir * r) + across * side * r;
    vec4 clip = at_head ? h : t;
    gl_Position = vec4(px / half_vp * clip.w, clip.z, clip.w);
    v_local = vec2(at_head ? len + r : -r, side * r);
    v_length = len;
    v_radius = r;
#else
    v_color = color;
    gl_Position = shown ? h : HIDDEN;
    gl_PointSize = width;
#endif
#endif
}
