#version 330 core
// # basemap/land.vert — the land fill: triangles of the land (earcut, once), on the ground,
// pushed one pixel's worth away from the eye so data drawn on the ground wins (ground.glsl).
#define SHADER_NAME basemap/land.vert
#include "basemap/ground.glsl"

in vec2 a_position;              // metres from the layer origin

void main() {
    gl_Position = u_projection * vec4(ground_eye(a_position, -1.0), 1.0);
}
