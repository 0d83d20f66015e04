"""interlock: keep parties that share a theatre out of each other's way.

Functional core (geo, model, detect) with thin shells (store, service, api, cli).
"""

__version__ = "0.1.0"
