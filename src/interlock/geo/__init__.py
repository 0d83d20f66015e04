"""Geometry on the WGS84 ellipsoid: units, local metric frames, area shapes, distances."""
