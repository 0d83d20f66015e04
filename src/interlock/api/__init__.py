"""HTTP surface: a thin FastAPI shell over the service layer."""

from .app import create_app

__all__ = ["create_app"]
