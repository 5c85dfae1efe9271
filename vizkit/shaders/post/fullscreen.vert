#version 330 core
// # post/fullscreen.vert — one triangle that covers the viewport (no vertex buffer: the three
// corners come from gl_VertexID). v_uv runs 0..1 across the viewport. With SKY_RAYS the
// triangle also carries, per corner, the world direction its clip position looks along
// (u_clip_to_world: inverse of projection × view without translation), which the rasteriser
// interpolates exactly — a ray direction is affine in screen position for any frustum, the
// off-centre ones of a dome's cut faces included.
#define SHADER_NAME post/fullscreen.vert

out vec2 v_uv;
#ifdef SKY_RAYS
uniform mat4 u_clip_to_world;
out vec3 v_ray;
#endif

void main() {
    vec2 p = vec2(float((gl_VertexID & 1) << 2) - 1.0, float((gl_VertexID & 2) << 1) - 1.0);
    v_uv = 0.5 * p + 0.5;
#ifdef SKY_RAYS
    vec4 far = u_clip_to_world * vec4(p, 1.0, 1.0);
    v_ray = far.xyz / far.w;
#endif
    gl_Position = vec4(p, 0.0, 1.0);
}
