"""Words on screen, GL-free: fonts, the glyph atlas, layout, sizes as visual angles, contrast,
label decluttering, string tables and locale formatting (Babel).

The GL side — glyph quads drawn from the atlas, HUD widgets, world labels — lives in
:mod:`vizkit.layers`; everything here works (and is tested) without a GL context. See
``docs/text.md``.
"""
