#version 330 core
// # hud_panel.frag — lay the HUD layers' flat image over the domemaster. The image holds
// premultiplied colour (what blending onto a transparent target leaves); the caller blends with
// (ONE, ONE_MINUS_SRC_ALPHA).
#define SHADER_NAME hud_panel.frag

uniform sampler2D t_hud;

in vec2 v_uv;
out vec4 f_color;

void main() {
    f_color = textureLod(t_hud, v_uv, 0.0);
}
