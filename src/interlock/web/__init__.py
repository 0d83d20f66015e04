"""The browser page served at `/`: static files only (HTML, CSS, ES modules)."""
