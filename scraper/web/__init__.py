"""The read-only web application for researchers: search, read, follow links, export.

``create_app(store)`` builds the ASGI app (Starlette + Jinja2); ``serve(settings)`` opens
the archive and runs it with uvicorn, as ``baohatinh serve`` does.
"""

from __future__ import annotations

from .app import ImageFiles, archived_image_files, create_app, marked, no_local_images
from .server import serve

__all__ = [
    "ImageFiles",
    "archived_image_files",
    "create_app",
    "marked",
    "no_local_images",
    "serve",
]
