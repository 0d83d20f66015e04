"""`python -m interlock.cli`: the same as the `interlock` script."""

from .main import app

app()
