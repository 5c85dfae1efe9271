#version 330 core
// # basemap/land.frag — one muted colour; alpha is written by the blend state (kept at 1).
#define SHADER_NAME basemap/land.frag

uniform vec4 u_color;            // land colour, RGBA 0–1

out vec4 f_color;

void main() {
    f_color = u_color;
}
