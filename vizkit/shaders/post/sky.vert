#version 330 core
// # post/sky.vert — the sky as a sphere of directions around the eye (vizkit/look.py: Sky).
// Each vertex carries the linear light of its elevation, computed once on the CPU from the
// sky's gradient (rows dense where the gradient is steep, at the horizon); the rasteriser
// interpolates it, so a pixel costs no more than a clear. Directions are drawn at infinity
// (w = 0) with the view's rotation only, so the sky never moves with the eye; being a function
// of direction, a dome's cube faces meet without a seam.
#define SHADER_NAME post/sky.vert

uniform mat4 u_rotation;   // projection × view without its translation
in vec3 a_direction;       // unit vector, world
in vec3 a_light;           // linear light of the sky in that direction
out vec3 v_light;

void main() {
    v_light = a_light;
    vec4 clip = u_rotation * vec4(a_direction, 0.0);
    gl_Position = clip.xyww;   // on the far plane
}
