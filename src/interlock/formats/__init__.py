"""The field's exchange formats, pure: notices and the picture to and from KML, ICAO NOTAM
text, NAVAREA warning text, CSV and ASTM F3548 operational intents.

Each module turns model records into text and text into GeoJSON notice features; the
service validates what comes in exactly as it validates GeoJSON. No I/O here.
"""
