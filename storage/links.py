"""The link graph: related links resolved to the archived articles they point at.

A related link stores the site id of its target (``related_links.target_article_id``);
whether that target is archived is decided when the links are read, so a link saved
before its target was crawled resolves as soon as the target is in the archive.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from .models import ArticleRow, RelatedLinkRow
from .store import Store

__all__ = ["ResolvedLink", "linked_from", "related_links"]


@dataclass(frozen=True, slots=True)
class ResolvedLink:
    """A related link of an article, and the archived article it points at, if any."""

    url: str
    title: str
    summary: str | None
    kind: str
    target_article_id: str | None
    archived: bool  # the target is in the archive: ``show target_article_id`` works
    archived_title: str | None


def related_links(store: Store, key: str) -> list[ResolvedLink]:
    """Return the related links of article ``key`` (id or URL) in page order, resolved.

    Raises ``ArticleNotFound`` naming the key, ``StoreError`` if the database refuses.
    """
    article_id = store.get_article(key).article.article_id
    source = ArticleRow.__table__.alias("source")
    target = ArticleRow.__table__.alias("target")
    query = (
        select(RelatedLinkRow, target.c.article_id, target.c.title)
        .join(source, source.c.id == RelatedLinkRow.article_pk)
        .outerjoin(target, target.c.article_id == RelatedLinkRow.target_article_id)
        .where(source.c.article_id == article_id)
        .order_by(RelatedLinkRow.position)
    )
    with store.read_session(f"reading related links of {article_id}") as session:
        return [
            ResolvedLink(
                url=link.url,
                title=link.title,
                summary=link.summary,
                kind=link.kind,
                target_article_id=link.target_article_id,
                archived=found is not None,
                archived_title=title,
            )
            for link, found, title in session.execute(query)
        ]


def linked_from(store: Store, article_id: str) -> list[tuple[str, str]]:
    """Return ``(site id, title)`` of every archived article linking to ``article_id``.

    Raises ``StoreError`` if the database refuses.
    """
    query = (
        select(ArticleRow.article_id, ArticleRow.title)
        .join(RelatedLinkRow, RelatedLinkRow.article_pk == ArticleRow.id)
        .where(RelatedLinkRow.target_article_id == article_id)
        .distinct()
        .order_by(ArticleRow.article_id)
    )
    with store.read_session(f"reading links to {article_id}") as session:
        return [(row[0], row[1]) for row in session.execute(query)]
