"""URL canonicalisation and article-id extraction (pure functions, no I/O)."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urljoin, urlparse, urlsplit, urlunparse, urlunsplit

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
        url = join(base, url)
    return _canonical(url)


def canonical_or_none(url: str, base: str | None = None) -> str | None:
    """``canonicalize(url, base)``, or ``None`` for a URL urllib cannot read (an unclosed
    IPv6 bracket, a port that is no number): one bad link never costs its page."""
    try:
        return canonicalize(url, base)
    except ValueError:
        return None


def join_or_none(base: str, url: str) -> str | None:
    """``join(base, url)``, or ``None`` when either cannot be read as a URL."""
    try:
        return join(base, url)
    except ValueError:
        return None


def join(base: str, url: str) -> str:
    """``urljoin(base, url)``, remembered for URLs with a scheme and a host.

    Such a URL does not depend on the base but for its scheme: ``urljoin`` returns it
    as it is when the schemes differ, else re-assembled from ``urlparse``'s parts. Pages
    link the same absolute URLs over and over (related articles, sections, images),
    each time against their own URL as the base.
    """
    if base and url and type(base) is str and type(url) is str:
        base_scheme = urlsplit(base).scheme  # base first: urljoin's errors, in its order
        parts = urlsplit(url)
        if parts.scheme in _JOINED and parts.netloc:
            return _join_absolute(url, parts.scheme == base_scheme)
    return urljoin(base, url)


# Schemes whose absolute URLs urljoin re-assembles when the base has the same scheme
# (in urllib's uses_relative and uses_netloc).
_JOINED = frozenset({"http", "https"})


@lru_cache(maxsize=4096)
def _join_absolute(url: str, same_scheme: bool) -> str:
    return urlunparse(urlparse(url)) if same_scheme else url


@lru_cache(maxsize=4096)
def _canonical(url: str) -> str:
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # an IPv6 address: urlsplit took off the brackets a URL needs
        host = f"[{host}]"
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


def on_site(url: str, site_host: str) -> str | None:
    """``url`` (canonical) written on ``site_host`` when its host is the site under
    another name (``www.baohatinh.vn``, ``m.baohatinh.vn`` for ``baohatinh.vn``: the host
    or a subdomain of it, ``www.`` aside): one site, one record whichever name a feed or
    a link uses, and a host the fetcher allows. ``None`` for another site's URL, whose
    path may look like an article's (``…-post123.html``) without being one of ours."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if host == site_host:
        return url
    bare = site_host.removeprefix("www.")
    if host != bare and not host.endswith("." + bare):
        return None
    port = f":{parts.port}" if parts.port else ""
    named = f"[{site_host}]" if ":" in site_host else site_host  # IPv6, as in a URL
    return urlunsplit(parts._replace(netloc=named + port))


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
