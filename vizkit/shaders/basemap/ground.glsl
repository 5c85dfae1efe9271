// # basemap/ground.glsl — the base map's depth rule: it lies on the ground plane (z = 0), where
// a flat terrain's ground and grey regions lie too. To avoid z-fighting with them, each vertex
// slides along its own view ray — so its pixel does not move, only its depth: the land fill away
// from the eye (it loses every tie with the data's ground), the lines towards it (they win the
// tie, so coast and borders stay visible on flat ground). The slide is relative to the distance,
// by a few pixels' worth of world size (u_px_tan: tangent of one pixel's angle) and never less
// than a few steps of the 24-bit depth buffer at that distance (u_depth_step: 4 / (near · 2^24)
// per metre of view depth). Anything the data raises by more than that hides the base map.
uniform mat4 u_model_view;        // view · translate(origin): layer metres → eye metres
uniform mat4 u_projection;        // eye → clip
uniform float u_px_tan;           // tangent of one pixel's angle at the view centre
uniform float u_depth_step;       // relative depth resolution per metre of view depth

// The eye-space position of a ground point moved along its view ray by `pixels` pixels' worth
// of world size: positive towards the eye, negative away from it.
// The fraction of its distance a point at view depth `depth` slides for `pixels` pixels.
float slide_of(float pixels, float depth) {
    return sign(pixels) * max(abs(pixels) * u_px_tan, u_depth_step * max(depth, 0.0));
}

vec3 ground_eye(vec2 position, float pixels) {
    vec3 eye = (u_model_view * vec4(position, 0.0, 1.0)).xyz;
    return eye * (1.0 - slide_of(pixels, -eye.z));
}
