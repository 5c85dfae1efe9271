#version 330 core
// # hud_panel.vert — the HUD panel on the domemaster: a grid over the flat panel (60° wide, 16:9,
// centred on the front sweet spot) whose vertices were projected through the equidistant
// formula by vizkit/targets/fisheye.py. Only the panel's pixels are touched.
#define SHADER_NAME hud_panel.vert

in vec2 a_position;     // -1..1 across the domemaster square (y up)
in vec2 a_uv;           // 0..1 across the HUD image

out vec2 v_uv;

void main() {
    v_uv = a_uv;
    gl_Position = vec4(a_position, 0.0, 1.0);
}
