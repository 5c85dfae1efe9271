#version 330 core
// # flows/arcs.vert — faint static arcs beneath the particles: one line strip per flow
// (instance), u_segments + 1 vertices along flow_arc with lane 0. Hidden while the flow shows
// no particles at the current time bin.
#define SHADER_NAME flows/arcs.vert
#include "flows/flow.glsl"

uniform mat4 u_mvp;
uniform int u_segments;
uniform int u_selected;
uniform float u_dim;
uniform float u_arc_alpha;      // brightness of the arcs relative to particles
uniform sampler2D t_palette;

out vec3 v_color;

void main() {
    Flow f = flow_at(gl_InstanceID);
    float s = float(gl_VertexID) / float(u_segments);
    float light = u_arc_alpha;
    if (u_selected >= 0 && f.origin_id != u_selected && f.destination_id != u_selected) {
        light *= u_dim;
    }
    v_color = texelFetch(t_palette, ivec2(int(f.palette), 0), 0).rgb * light;
    bool shown = flow_count(gl_InstanceID) > 0.0;
    gl_Position = shown ? u_mvp * vec4(flow_arc(f, s, 0.0), 1.0) : vec4(2.0, 2.0, 2.0, 1.0);
}
