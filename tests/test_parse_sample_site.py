"""Every article page of the sample site parses to its ground truth.

The sample site writes each template variant and trap of the CMS family (NFD titles, epoch
times, lazy images, table captions, comments, ads, inline boxes …) and records what a
correct parser must extract: the parser must match it field by field, with no warning but
those the truth expects (a video article's 'body: video only').
"""

from __future__ import annotations

import pytest

from scraper.parse import parse_article
from scraper.sample_site.model import ArticleTruth
from scraper.sample_site.site import SampleSite, build_site

ORIGIN = "http://127.0.0.1:8123"
SITE: SampleSite = build_site(ORIGIN, ORIGIN)


@pytest.mark.parametrize("truth", SITE.articles, ids=lambda truth: truth.article_id)
def test_article_page_parses_to_its_truth(truth: ArticleTruth) -> None:
    article = parse_article(SITE.lookup(truth.path).body, truth.url)
    assert (article.url, article.article_id) == (truth.url, truth.article_id)
    assert (article.title, article.lead) == (truth.title, truth.lead)
    assert (article.published_at, article.updated_at) == (truth.published_at, truth.updated_at)
    assert (article.author, article.tags) == (truth.author, truth.tags)
    assert (article.section, article.section_slug) == (truth.section_name, truth.section_slug)
    assert article.body_paragraphs == truth.body_paragraphs
    assert [(i.url, i.caption, i.alt) for i in article.images] == list(truth.images)
    assert [(r.url, r.title, r.summary, r.kind) for r in article.related] == list(truth.related)
    assert article.warnings == truth.warnings  # none but a video article's
