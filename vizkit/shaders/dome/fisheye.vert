#version 330 core
// # fisheye.vert — the domemaster as a warp mesh: a grid over the square frame whose vertices
// carry the cube direction their position looks along (computed once, in float64, by
// vizkit/targets/fisheye.py for the aperture). The rasteriser interpolates directions between
// vertices, so the fragment shader does no trigonometry: one cubemap lookup per pixel.
// The interpolation error is second order in the cell size (32 px cells at 4K): below 0.1 px.
#define SHADER_NAME fisheye.vert

in vec2 a_position;     // -1..1 across the domemaster square (y up)
in vec3 a_direction;    // cube coordinates (right, -axis, front) of the equidistant direction

out vec3 v_direction;

void main() {
    v_direction = a_direction;
    gl_Position = vec4(a_position, 0.0, 1.0);
}
