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
// HUD (variant, #define HUD): the HUD layers' flat image (t_hud, premultiplied alpha: what blending
// onto a transparent target leaves) is laid over the dome as a flat panel centred on
// u_hud_center (the front "sweet spot"), gnomonically projected so it reads like a screen hung
// in front of the audience.
#define SHADER_NAME fisheye.frag

uniform samplerCube t_cube;
uniform vec4 u_viewport;        // (x, y, width, height) of the square the domemaster fills, px
#ifdef HUD
uniform sampler2D t_hud;
uniform vec3 u_hud_center;      // unit direction of the panel centre, dome frame
uniform vec3 u_hud_right;       // unit panel axes, dome frame
uniform vec3 u_hud_up;
uniform vec2 u_hud_half_tan;    // tan of the panel's half-width and half-height angles
#endif

in vec3 v_direction;
out vec4 f_color;

void main() {
    vec2 p = (gl_FragCoord.xy - u_viewport.xy) / u_viewport.zw * 2.0 - 1.0;  // y up
    float radius_px = 0.5 * u_viewport.z;
    // one-pixel anti-aliased rim; beyond it black
    float inside = clamp((1.0 - length(p)) * radius_px + 0.5, 0.0, 1.0);
    vec3 color = textureLod(t_cube, v_direction, 0.0).rgb;  // one level: no LOD maths
#ifdef HUD
    {   // a variant, not a uniform branch: a software GL would pay for the unused branch
        vec3 dir = normalize(vec3(v_direction.x, v_direction.z, -v_direction.y));  // dome frame
        float along = dot(dir, u_hud_center);
        if (along > 0.0) {
            vec3 q = dir / along;
            vec2 st = vec2(dot(q, u_hud_right), dot(q, u_hud_up)) / u_hud_half_tan;
            if (all(lessThanEqual(abs(st), vec2(1.0)))) {
                vec4 hud = textureLod(t_hud, st * 0.5 + 0.5, 0.0);
                color = color * (1.0 - hud.a) + hud.rgb;
            }
        }
    }
#endif
    f_color = vec4(color * inside, 1.0);
}
