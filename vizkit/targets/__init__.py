"""Targets a scene is drawn into: offscreen (EGL) and windows (pyglet); the dome builds on both."""
