"""Encoded images as data URLs: how the app's images travel inside its messages."""

from __future__ import annotations

import base64


def data_url(data: bytes, image_format: str = "PNG") -> str:
    """``data:image/png;base64,…`` (or the given format) for an encoded image."""
    return f"data:image/{image_format.lower()};base64," + base64.b64encode(data).decode("ascii")
