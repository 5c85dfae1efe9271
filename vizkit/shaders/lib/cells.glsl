// # cells.glsl — where a terrain cell is stored (vizkit/layers/tiles.py TileLayout).
// Cells are stored tile after tile (u_tile = cells per tile, cols × rows), row-major inside a
// tile; vertex ids follow that order. The atlas texture holds each tile with a one-texel apron
// (the neighbouring tiles' edge cells), u_atlas_tiles tiles per atlas row, so a cell's four
// neighbours are always in the same atlas tile. A dense grid is one tile the size of the grid.
// Variant TILED: t_tiles holds each stored tile's first cell (1024 tiles per texture row) and
// t_pages the slot of the tile covering each block of cells (-1: none).

uniform ivec2 u_tile;            // (cols, rows) cells per tile
uniform int u_atlas_tiles;       // tiles per atlas row
#ifdef TILED
uniform isampler2D t_tiles;      // RG32I: (col, row) of each stored tile's first cell
uniform isampler2D t_pages;      // R32I: slot of the tile covering a block of cells, -1 = none
#endif

// Split in float (exact below 2^24): integer division has no SIMD instruction on CPUs.
ivec2 split(float value, float width) {
    float q = floor((value + 0.5) / width);
    return ivec2(int(value - q * width), int(q));
}

// The atlas texel of (col, row) inside stored tile `slot`.
ivec2 atlas_texel(int slot, ivec2 in_tile) {
    ivec2 tile = split(float(slot), float(u_atlas_tiles));
    return tile * (u_tile + 2) + in_tile + 1;
}

// Grid cell (col, row) of stored tile `slot`'s cell `in_tile`.
ivec2 tile_origin(int slot) {
#ifdef TILED
    return texelFetch(t_tiles, split(float(slot), 1024.0), 0).xy;
#else
    return ivec2(0);
#endif
}
