"""The read-only web application: the app factory, its routes and the read-only guard.

Pages are rendered on the server from Jinja2 templates with autoescape on, so the reader
needs no JavaScript and no archived text can become markup. Only GET and HEAD are
answered; any other method gets 405 before a route is even looked up.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Receive, Scope, Send

from scraper.errors import ArticleNotFound, QueryError
from storage import EXPORT_KEYS, ArchivedArticle, SearchHit, SearchResults, Store
from storage.export import CITATION_KEYS, CSV_BOM, csv_row, export_record, selected_articles
from storage.links import related_links
from storage.query import SORTS, SearchFilters, SearchQuery, parse_day, shown
from storage.search import MAX_OFFSET, mark_html, matching_ids, search, snippet

from . import facets, history

__all__ = [
    "ImageFiles",
    "ReadOnly",
    "archived_image_files",
    "create_app",
    "form_from",
    "lists_everything",
    "marked",
    "no_local_images",
    "web_href",
]

# Maps an image URL to its downloaded copy in the archive, or None when it was not kept.
ImageFiles = Callable[[str], Path | None]

ALLOWED_METHODS = ("GET", "HEAD")
STATIC_DIR = Path(__file__).parent / "static"


def no_local_images(url: str) -> Path | None:
    """The image locator of an archive that keeps no image files: always ``None``."""
    return None


def archived_image_files(store: Store, images_dir: str | Path) -> ImageFiles:
    """Return the image locator of ``store``: the file downloaded for an image URL (by
    ``[archive] archive_images``, under ``images_dir``) if it is still there, else ``None``.

    The locator raises ``StoreError`` if the database refuses.
    """
    folder = Path(images_dir).expanduser()

    def locate(url: str) -> Path | None:
        kept = store.known_image_file(url)
        path = folder / kept.local_path if kept is not None else None
        return path if path is not None and path.is_file() else None

    return locate


class ReadOnly:
    """ASGI middleware: refuse every method but GET and HEAD with 405 (``Allow`` says which)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in ALLOWED_METHODS:
            response = Response(
                "Chỉ đọc: phương thức không được phép.\n",
                status_code=405,
                headers={"Allow": ", ".join(ALLOWED_METHODS)},
                media_type="text/plain",
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def marked(hit: SearchHit) -> Markup:
    """Return the hit's snippet as HTML: matches in ``<mark>``, everything else escaped
    (``storage.search.mark_html``, as the command line marks them)."""
    return Markup(mark_html(hit, "snippet"))  # noqa: S704 - mark_html escapes all but <mark>


def web_href(url: str) -> str:
    """Return ``url`` if it is an http(s) address, else ``"#"``: an archived page could carry
    a ``javascript:`` URL, which escaping alone would leave clickable."""
    return url if urlsplit(url.strip()).scheme.lower() in ("http", "https") else "#"


def _format_time(value: datetime | None) -> str:
    return value.strftime("%d/%m/%Y %H:%M") if value else ""


def _templates() -> Jinja2Templates:
    env = Environment(
        loader=PackageLoader("scraper.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    env.filters["marked"] = marked
    env.filters["vn_time"] = _format_time
    env.filters["href"] = web_href
    return Jinja2Templates(env=env)


def create_app(
    store: Store, *, page_size: int = 20, image_files: ImageFiles = no_local_images
) -> ASGIApp:
    """Return the read-only ASGI application over ``store``.

    ``page_size`` is the number of hits per search page; ``image_files`` maps an image URL
    to its downloaded copy (served from ``/anh/…``) or ``None`` (the page then links the
    original). The store stays open as long as the app is used; closing it is the caller's.
    """
    pages = _Pages(store, page_size, image_files, _templates())
    app = Starlette(
        routes=[
            Route("/", pages.search, name="search"),
            Route("/bai/{article_id:str}", pages.article, name="article"),
            Route("/anh/{article_id:str}/{position:int}", pages.image, name="image"),
            Route("/xuat.{fmt:str}", pages.export, name="export"),
            Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
        ],
        exception_handlers={HTTPException: pages.error},  # type: ignore[dict-item]
    )
    return ReadOnly(app)


class _Pages:
    """The route handlers, sharing the store, the templates and the settings.

    Handlers that read the database are plain functions: Starlette runs them in its thread
    pool, so a slow query never holds up the event loop (and the other readers)."""

    def __init__(
        self, store: Store, page_size: int, image_files: ImageFiles, templates: Jinja2Templates
    ) -> None:
        self.store = store
        self.page_size = page_size
        self.image_files = image_files
        self.templates = templates

    def render(
        self, request: Request, name: str, context: dict[str, Any], status: int = 200
    ) -> Response:
        return self.templates.TemplateResponse(request, name, context, status_code=status)

    # --- search --------------------------------------------------------------------------

    def search(self, request: Request) -> Response:
        """The search page: the form, then the results (or every article, newest first)."""
        params = request.query_params
        context: dict[str, Any] = {
            "params": params, "sorts": SORTS, "choices": facets.choices(self.store),
            "results": None, "error": None, "page": 1, "page_size": self.page_size,
        }
        try:
            page = context["page"] = _page_number(params.get("trang", "1"), self.page_size)
            form = form_from(params)
            offset = (page - 1) * self.page_size
            context["results"] = self.results(form, limit=self.page_size, offset=offset)
        except QueryError as exc:
            context["error"] = in_vietnamese(exc)
            return self.render(request, "search.html", context, status=400)
        context["pages"] = _pagination(params, page, context["results"].total, self.page_size)
        context["export_query"] = _without(params, "trang")
        context["filtered"] = any(params.get(name) for name in _FILTERS)
        return self.render(request, "search.html", context)

    def results(self, form: SearchQuery, *, limit: int, offset: int) -> SearchResults:
        """One page of the search the CLI would run for ``form`` (``storage.search``); an
        empty form lists every article, newest first. Raises ``QueryError``, ``StoreError``.
        """
        if lists_everything(form):
            oldest = form.sort == "oldest"
            return _every_article(self.store, limit=limit, offset=offset, oldest=oldest)
        return search(self.store, form, limit=limit, offset=offset)

    # --- article -------------------------------------------------------------------------

    def article(self, request: Request) -> Response:
        """One archived article, its images, its links and its revision history."""
        article_id = request.path_params["article_id"]
        try:
            archived = self.store.get_article(article_id)
        except ArticleNotFound as exc:
            raise HTTPException(404, f"Không có bài {article_id} trong kho lưu trữ.") from exc
        article = archived.article
        links = related_links(self.store, article_id)
        context = {
            "archived": archived,
            "article": article,
            "images": [
                (image, self.image_files(image.url) is not None) for image in article.images
            ],
            "doc_them": [link for link in links if link.kind == "doc-them"],
            "inline": [link for link in links if link.kind == "inline"],
            "revisions": history.revisions(self.store, article.article_id),
        }
        return self.render(request, "article.html", context)

    def image(self, request: Request) -> Response:
        """The downloaded copy of one image of an article (404 when the archive has none)."""
        article_id = request.path_params["article_id"]
        position = request.path_params["position"]
        try:
            images = self.store.get_article(article_id).article.images
        except ArticleNotFound as exc:
            raise HTTPException(404, f"Không có bài {article_id} trong kho lưu trữ.") from exc
        found = [image for image in images if image.position == position]
        path = self.image_files(found[0].url) if found else None
        if path is None or not path.is_file():
            raise HTTPException(404, "Kho lưu trữ không giữ bản sao của ảnh này.")
        return FileResponse(path)

    # --- export --------------------------------------------------------------------------

    def export(self, request: Request) -> Response:
        """The current result set (every page of it) as CSV or JSON Lines, streamed."""
        fmt = request.path_params["fmt"]
        if fmt not in _EXPORTS:
            raise HTTPException(404, f"Không có định dạng xuất {shown(fmt)} (chỉ csv, jsonl).")
        try:
            form = form_from(request.query_params)
            everything = lists_everything(form)
            if not everything:  # validate the query now, while a 400 can still be sent
                search(self.store, form, limit=0)
        except QueryError as exc:
            raise HTTPException(400, in_vietnamese(exc)) from exc
        # The matching ids stream in result order, the articles a batch at a time.
        ids = None if everything else matching_ids(self.store, form)
        media_type, lines = _EXPORTS[fmt]
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        return StreamingResponse(
            lines(selected_articles(self.store, ids, oldest=form.sort == "oldest")),
            media_type=media_type,
            headers={"Content-Disposition": f'attachment; filename="baohatinh-{stamp}.{fmt}"'},
        )

    # --- errors --------------------------------------------------------------------------

    async def error(self, request: Request, exc: HTTPException) -> Response:
        """An error page in Vietnamese (404, 400 …) that still offers the search box."""
        message = _PLAIN_ERRORS.get(exc.detail, exc.detail)
        context = {"status": exc.status_code, "message": message}
        return self.render(request, "error.html", context, status=exc.status_code)


# What the reader is told for the query errors the search raises (matched on the start
# of the message, which stays quoted after it); others are shown as they are.
_QUERY_ERRORS = {
    "unbalanced quotes": "thiếu dấu ngoặc kép đóng",
    "no searchable words": "truy vấn không có từ nào để tìm",
    "query too long": "truy vấn quá dài",
    "trang=": "số trang quá lớn",
    "unknown sort": "cách sắp xếp không có",
    "tu_ngay": "ngày không hợp lệ",
    "den_ngay": "ngày không hợp lệ",
    "--to": "khoảng ngày ngược",
    "--": "bộ lọc không dùng được",
    "OR needs": "OR cần một từ hoặc cụm từ ở mỗi bên",
    "OR cannot": "OR không nối được với một từ bị loại trừ",
    "title:": "title: cần một từ ngay sau",
    "NOT": "NOT cần một từ ngay sau",
    "query ": "truy vấn chỉ loại trừ: thêm một từ cần tìm, hoặc một bộ lọc",
}


def in_vietnamese(exc: QueryError) -> str:
    """Return the error as the reader sees it: a Vietnamese gist, then the exact message."""
    message = str(exc)
    for start, gist in _QUERY_ERRORS.items():
        if message.startswith(start):
            return f"{gist} ({message})"
    return message


# The query-string names of the filters (besides ``q``), as the form sends them.
_FILTERS = ("tu_ngay", "den_ngay", "chuyen_muc", "tac_gia", "tu_khoa", "co_anh")

# Starlette's own details (an unknown path …), said in the interface's language.
_PLAIN_ERRORS = {
    "Not Found": "Không tìm thấy trang này.",
    "Method Not Allowed": "Chỉ đọc: phương thức không được phép.",
}


# --- the form and its links --------------------------------------------------------------


def form_from(params: Any) -> SearchQuery:
    """Return the ``SearchQuery`` the query string asks for: ``q`` in the command line's
    query language, the filters ``tu_ngay``/``den_ngay`` (2024-10-15 or 15/10/2024),
    ``chuyen_muc``, ``tac_gia``, ``tu_khoa``, ``co_anh=1`` (with images), ``chi_tieu_de=1``
    (title only) and ``sap_xep`` (relevance, newest, oldest).

    Raises ``QueryError`` naming the parameter for a day it cannot read or an unknown sort.
    """
    sort = params.get("sap_xep") or "relevance"
    if sort not in SORTS:
        raise QueryError(f"unknown sort {shown(sort)} (sap_xep: {', '.join(SORTS)})")
    filters = SearchFilters(
        date_from=_day(params, "tu_ngay"),
        date_to=_day(params, "den_ngay"),
        section=_value(params, "chuyen_muc"),
        author=_value(params, "tac_gia"),
        tag=_value(params, "tu_khoa"),
        with_images=params.get("co_anh") == "1",
    )
    return SearchQuery(params.get("q", ""), filters, sort, params.get("chi_tieu_de") == "1")


def lists_everything(form: SearchQuery) -> bool:
    """Tell whether ``form`` asks for nothing (no words, no filter): then every article is
    listed, where the command line would refuse an empty search."""
    return not form.text.strip() and form.filters.is_empty()


def _every_article(store: Store, *, limit: int, offset: int, oldest: bool) -> SearchResults:
    total = store.counts()["articles"]
    page = store.get_articles(facets.listed_ids(store, limit=limit, offset=offset, oldest=oldest))
    return SearchResults(total=total, hits=[_listed(archived) for archived in page])


def _listed(archived: ArchivedArticle) -> SearchHit:
    # A listing has no words to mark: the snippet is the article's opening.
    article = archived.article
    opening, _ = snippet([article.lead, article.body_text], [])
    return SearchHit(article.article_id, article.url, article.title, article.section,
                     article.published_at, opening, ())


def _day(params: Any, name: str) -> date | None:
    raw = (params.get(name) or "").strip()
    try:
        return parse_day(raw) if raw else None
    except QueryError as exc:
        raise QueryError(f"{name}: {exc}") from None


def _value(params: Any, name: str) -> str | None:
    return (params.get(name) or "").strip() or None


def _page_number(raw: str, page_size: int) -> int:
    """Return the page ``trang`` asks for (1 when it is not a positive number). Raises
    ``QueryError`` for a page past the farthest a search reads (``MAX_OFFSET``)."""
    if not (raw.isascii() and raw.isdigit()) or not raw.strip("0"):
        return 1
    last = MAX_OFFSET // page_size
    # Compared as text first: int() of thousands of digits is slow, or refused.
    if len(raw.lstrip("0")) > len(str(last)) or int(raw) > last:
        raise QueryError(f"trang={shown(raw)}: no such page (at most {last:,})")
    return int(raw)


def _without(params: Any, *names: str) -> str:
    return urlencode([(key, value) for key, value in params.multi_items()
                      if key not in names and value])


def _pagination(params: Any, page: int, total: int, size: int) -> list[tuple[str, str, bool]]:
    """Return ``(label, href, current)`` for each page link shown: previous, a window of
    numbers around ``page`` with the first and last, next. A gap has no href. Past the
    last page, "previous" is the last page: the one before would be as empty."""
    last = max(1, -(-total // size))
    base = _without(params, "trang")

    def href(number: int) -> str:
        return "?" + "&".join(part for part in (base, f"trang={number}") if part)

    numbers = sorted({1, last, *range(max(1, page - 2), min(last, page + 2) + 1)})
    links: list[tuple[str, str, bool]] = []
    if page > 1:
        links.append(("« Trang trước", href(min(page - 1, last)), False))
    previous = 0
    for number in numbers:
        if number - previous > 1:
            links.append(("…", "", False))
        links.append((str(number), href(number), number == page))
        previous = number
    if page < last:
        links.append(("Trang sau »", href(page + 1), False))
    return links


# --- export lines ------------------------------------------------------------------------


def _jsonl_lines(articles: Iterator[Any]) -> Iterator[str]:
    for archived in articles:
        yield json.dumps(export_record(archived), ensure_ascii=False) + "\n"


def _csv_lines(articles: Iterator[Any]) -> Iterator[str]:
    buffer = io.StringIO()
    buffer.write(CSV_BOM)
    # The same columns and cells as ``baohatinh export --format csv``.
    writer = csv.DictWriter(buffer, fieldnames=(*EXPORT_KEYS, *CITATION_KEYS))
    writer.writeheader()
    for archived in articles:
        writer.writerow(csv_row(export_record(archived)))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()  # the header alone, when nothing matched


_EXPORTS: dict[str, tuple[str, Callable[[Iterator[Any]], Iterator[str]]]] = {
    "csv": ("text/csv; charset=utf-8", _csv_lines),
    "jsonl": ("application/x-ndjson; charset=utf-8", _jsonl_lines),
}
