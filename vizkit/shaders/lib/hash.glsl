// # lib/hash.glsl — integer hashes for stateless, reproducible per-element randomness.
// The same (element id, seed) always gives the same value on every run and GPU: no GPU random
// state, no time input. Based on the "lowbias32" integer hash (Chris Wellons, hash-prospector).

uint hash_u32(uint x) {
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

// A float in [0, 1) from a 32-bit integer (24 bits of precision).
float hash_unit(uint x) {
    return float(hash_u32(x) >> 8) * (1.0 / 16777216.0);
}
