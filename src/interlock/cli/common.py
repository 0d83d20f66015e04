"""Shared CLI plumbing: consoles, error exits, the HTTP client."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import httpx
import typer
from rich.console import Console

from ..errors import InterlockError

console = Console()
err_console = Console(stderr=True)
EXIT_ERROR = 2
DEFAULT_URL = "http://127.0.0.1:8000"


def fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn interlock and connection errors into a message and a non-zero exit."""
    try:
        yield
    except InterlockError as exc:
        fail(exc.detail)
    except httpx.ConnectError as exc:
        fail(f"cannot reach the server: {exc}")
    except httpx.HTTPError as exc:
        fail(f"HTTP error: {exc}")


def url_option() -> Any:
    return typer.Option(
        os.environ.get("INTERLOCK_URL", DEFAULT_URL), "--url", help="server URL (env INTERLOCK_URL)"
    )


def token_option() -> Any:
    return typer.Option(
        os.environ.get("INTERLOCK_TOKEN"),
        "--token",
        help="your party's API token (env INTERLOCK_TOKEN)",
    )


class Api:
    """A minimal HTTP client that exits with the server's error detail on 4xx/5xx."""

    def __init__(self, url: str, token: str | None) -> None:
        if not token:
            fail("no token: pass --token or set INTERLOCK_TOKEN")
        self.http = httpx.Client(
            base_url=url, timeout=30.0, headers={"Authorization": f"Bearer {token}"}
        )

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        if response.status_code >= 400:
            try:
                body = response.json()
                detail = f"{body.get('error')}: {body.get('detail')}"
            except ValueError:
                detail = response.text[:500]
            fail(f"server refused ({response.status_code}) {detail}")
        return response.json()


def read_json_file(path: str, loader: Callable[[bytes], Any]) -> Any:
    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror}")
    try:
        return loader(data)
    except ValueError as exc:
        fail(f"{path}: malformed JSON ({exc})")
