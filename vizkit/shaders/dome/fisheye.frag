#version 330 core
// # fisheye.frag — resample a cubemap into an angular (equidistant) fisheye: the domemaster.
//
// Planetarium convention (docs/dome.md): the dome axis is at the centre of the square, the
// distance from the centre is proportional to the angle from the axis (equidistant), the edge
// circle is at half the aperture, the front of the dome is at the bottom centre and the
// audience's right is on the right. Outside the circle the frame is black.
//
// Dome frame: x = right, y = front (along the dome's tilted front meridian), z = dome axis.
// The cubemap was rendered in "cube coordinates" c = (x, -z, y) — a proper rotation chosen so the
// four side faces have the dome axis as their "up" (their unneeded lower rows are not drawn).
// The per-pixel direction arrives interpolated from the warp mesh (fisheye.vert).
//
// Sampling is linear with GL_TEXTURE_CUBE_MAP_SEAMLESS enabled by the caller, so bilinear
// footprints that straddle two faces read texels from both: no visible seams.
//
// HUD layers are laid over afterwards by hud_panel.vert/.frag, only where the panel is.
#define SHADER_NAME fisheye.frag

uniform samplerCube t_cube;
uniform vec4 u_viewport;        // (x, y, width, height) of the square the domemaster fills, px

in vec3 v_direction;
out vec4 f_color;

void main() {
    vec2 p = (gl_FragCoord.xy - u_viewport.xy) / u_viewport.zw * 2.0 - 1.0;  // y up
    float radius_px = 0.5 * u_viewport.z;
    // one-pixel anti-aliased rim; beyond it black
    float inside = clamp((1.0 - length(p)) * radius_px + 0.5, 0.0, 1.0);
    vec3 color = textureLod(t_cube, v_direction, 0.0).rgb;  // one level: no LOD maths
    f_color = vec4(color * inside, 1.0);
}
