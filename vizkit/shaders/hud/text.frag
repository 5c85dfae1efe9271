#version 330 core
// # text.frag — premultiplied-alpha text panel (glyphs and backdrop rasterised by Pillow).
#define SHADER_NAME text.frag

uniform sampler2D t_image;
in vec2 v_uv;
out vec4 f_color;

void main() {
    f_color = texture(t_image, v_uv);
}
