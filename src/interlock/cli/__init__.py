"""Command line: typer + rich. Thin: parse, call the service or the API, print."""
