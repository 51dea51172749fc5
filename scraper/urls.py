"""URL canonicalisation and article-id extraction (pure functions, no I/O)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from .profile import DEFAULT_PROFILE, SiteProfile

# Query parameters that only track the reader; they never change the page.
TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "zarsrc", "zalo_source", "mc_cid", "mc_eid", "ref", "_ga"}
)
ARTICLE_PATTERN_NAMES = ("article", "article_tv", "article_old")


def canonicalize(url: str, base: str | None = None) -> str:
    """Return ``url`` (resolved against ``base``) with scheme and host lower-cased, the
    default port, fragment and tracking parameters (``utm_*``, ``fbclid`` …) dropped."""
    if base:
        url = urljoin(base, url)
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not (k.lower().startswith("utm_") or k.lower() in TRACKING_PARAMS)
        ]
    )
    return urlunsplit((scheme, host, parts.path or "/", query, ""))


def host_of(url: str) -> str:
    """Return the lower-cased host name of ``url`` without its port."""
    return (urlsplit(url).hostname or "").lower()


def article_id(url: str, profile: SiteProfile = DEFAULT_PROFILE) -> str | None:
    """Return the site's article id for an article URL of any family, else ``None``.

    The current CMS, the ``/tv/`` family and the old ``/<section>/<slug>/<id>.htm`` URLs
    all carry the id as their trailing digits.
    """
    path = urlsplit(url).path
    for name in ARTICLE_PATTERN_NAMES:
        match = profile.pattern(name).match(path)
        if match:
            return match.group("id")
    return None


def is_article_url(url: str, profile: SiteProfile = DEFAULT_PROFILE) -> bool:
    """Tell whether ``url`` looks like an article page of any URL family."""
    return article_id(url, profile) is not None
