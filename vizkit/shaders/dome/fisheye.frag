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
//
// Sampling is linear with GL_TEXTURE_CUBE_MAP_SEAMLESS enabled by the caller, so bilinear
// footprints that straddle two faces read texels from both: no visible seams.
//
// HUD: when u_hud_on is 1, the HUD layers' flat image (t_hud, premultiplied alpha: what blending
// onto a transparent target leaves) is laid over the
// dome as a flat panel centred on u_hud_center (the front "sweet spot"), gnomonically projected
// so it reads like a screen hung in front of the audience.
#define SHADER_NAME fisheye.frag

uniform samplerCube t_cube;
uniform vec4 u_viewport;        // (x, y, width, height) of the square the domemaster fills, px
uniform float u_half_aperture;  // radians from the axis to the edge circle
uniform int u_hud_on;
uniform sampler2D t_hud;
uniform vec3 u_hud_center;      // unit direction of the panel centre, dome frame
uniform vec3 u_hud_right;       // unit panel axes, dome frame
uniform vec3 u_hud_up;
uniform vec2 u_hud_half_tan;    // tan of the panel's half-width and half-height angles

out vec4 f_color;

void main() {
    vec2 p = (gl_FragCoord.xy - u_viewport.xy) / u_viewport.zw * 2.0 - 1.0;  // y up
    float r = length(p);
    float radius_px = 0.5 * u_viewport.z;
    // one-pixel anti-aliased rim; the rim samples the edge direction, never beyond it
    float inside = clamp((1.0 - r) * radius_px + 0.5, 0.0, 1.0);
    if (inside <= 0.0) {
        f_color = vec4(0.0, 0.0, 0.0, 1.0);
        return;
    }
    float theta = min(r, 1.0) * u_half_aperture;
    vec2 h = r > 0.0 ? p / r : vec2(0.0, -1.0);
    // image right = dome right; image down = dome front
    vec3 dir = vec3(sin(theta) * h.x, -sin(theta) * h.y, cos(theta));
    vec3 color = texture(t_cube, vec3(dir.x, -dir.z, dir.y)).rgb;
    if (u_hud_on == 1) {
        float along = dot(dir, u_hud_center);
        if (along > 0.0) {
            vec3 q = dir / along;
            vec2 st = vec2(dot(q, u_hud_right), dot(q, u_hud_up)) / u_hud_half_tan;
            if (all(lessThanEqual(abs(st), vec2(1.0)))) {
                vec4 hud = texture(t_hud, st * 0.5 + 0.5);
                color = color * (1.0 - hud.a) + hud.rgb;
            }
        }
    }
    f_color = vec4(color * inside, 1.0);
}
