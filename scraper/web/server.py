"""Running the web application: open the archive read-only-minded, bind, serve with uvicorn."""

from __future__ import annotations

import socket
from collections.abc import Callable

import uvicorn

from scraper.errors import ConfigError
from scraper.settings import Settings

from .app import ImageFiles, archived_image_files, create_app

__all__ = ["bind", "serve"]


def bind(host: str, port: int) -> socket.socket:
    """Return a listening TCP socket on ``host``:``port`` (port 0: any free port).

    Raises ``ConfigError`` naming the address when it cannot be bound (in use, no such host).
    """
    sock: socket.socket | None = None
    try:
        family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        if sock is not None:
            sock.close()
        raise ConfigError(f"cannot listen on {host}:{port} ({exc.strerror or exc})",
                          key="web.host/web.port") from None
    return sock


def serve(
    settings: Settings,
    *,
    host: str | None = None,
    port: int | None = None,
    image_files: ImageFiles | None = None,
    ready: Callable[[str], None] | None = None,
) -> None:
    """Serve the archive of ``settings`` on ``host``:``port`` (default: ``[web]``) until
    interrupted; ``ready`` is called with the base URL once the socket listens. Images are
    served from ``[archive] images_dir`` when downloaded (``image_files`` overrides that).

    The schema is checked, never migrated: a server that only reads does not change the
    database. Raises ``SchemaMismatch`` (run ``baohatinh db upgrade``), ``StoreError`` if
    the database cannot be opened, ``ConfigError`` if the address cannot be bound.
    """
    from storage import Store

    host = host or settings.web.host
    port = settings.web.port if port is None else port
    with Store.open(settings.database.url, upgrade=False) as store:
        if image_files is None:
            image_files = archived_image_files(store, settings.archive.images_dir)
        app = create_app(store, page_size=settings.web.page_size, image_files=image_files)
        sock = bind(host, port)
        bound_host, bound_port = sock.getsockname()[:2]
        shown = f"[{bound_host}]" if ":" in bound_host else bound_host
        if ready is not None:
            ready(f"http://{shown}:{bound_port}/")
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        with sock:
            uvicorn.Server(config).run(sockets=[sock])
