"""Feeds: real formats in (AIS, ADS-B SBS, raw Mode S, JSON) -> TrackReport / Skip."""
