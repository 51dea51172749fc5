"""Store benchmark: articles stored per second and bytes on disk per article.

Generates N articles (default 10,000) with ~90 KB raw pages shaped like the site's
(a large shared page frame around a unique body), saves each through ``Store.save_article``
(one transaction per article) or, with ``--batch N``, through ``Store.save_articles`` in
groups of N (one transaction per group, as a crawl does) into a new SQLite file and, when a
PostgreSQL URL is given (``--postgres`` or $BAOHATINH_TEST_POSTGRES_URL), into a fresh
schema there (dropped afterwards). Prints, per database: articles/s, raw bytes stored per
article and total bytes on disk per article. Baseline in the same run: the raw pages
compressed with zlib, the codec of schema 0001, against zstandard now.

    .venv/bin/python benchmarks/store.py [--articles 10000] [--batch 1] [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from itertools import islice
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scraper.records import Article, Image, RawPage, RelatedLink  # noqa: E402
from storage import ArticleToSave, Store, rawcodec  # noqa: E402
from storage.engine import normalize_url  # noqa: E402
from storage.stats import archive_stats  # noqa: E402

VN = timezone(timedelta(hours=7))
VOCABULARY = (
    "Đảng bộ chi bộ huyện ủy tỉnh ủy Hà Tĩnh Hương Sơn Can Lộc Nghi Xuân dân vận khéo "
    "cán bộ đảng viên nghị quyết hội nghị biểu dương mô hình xây dựng chỉnh đốn "
    "phát triển kinh tế xã hội nông thôn mới năm 2024 kết nạp tổ chức cơ sở"
)
WORDS = VOCABULARY.split()
FRAME = "".join(
    f'<li class="menu-item"><a href="/muc-{n}/" title="Chuyên mục {n}">Chuyên mục {n}</a></li>'
    for n in range(900)
)


def sentence(rng: random.Random, words: int = 18) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def generated(count: int, seed: int = 2024) -> Iterator[tuple[Article, RawPage]]:
    """Yield ``count`` distinct articles, each with its raw page."""
    rng = random.Random(seed)
    start = datetime(2020, 1, 1, 8, 0, tzinfo=VN)
    for number in range(1, count + 1):
        article_id = str(100_000 + number)
        url = f"https://baohatinh.vn/bai-viet-{article_id}-post{article_id}.html"
        paragraphs = tuple(" ".join(sentence(rng) for _ in range(4)) for _ in range(12))
        article = Article(
            url=url, article_id=article_id, title=sentence(rng, 12), lead=sentence(rng, 30),
            published_at=start + timedelta(hours=number), author="Thu Hà",
            section="Xây dựng Đảng", section_slug="xay-dung-dang", tags=("Hà Tĩnh",),
            body_paragraphs=paragraphs,
            body_html="".join(f"<p>{p}</p>" for p in paragraphs),
            images=(Image(f"https://cdn.baohatinh.vn/images/{article_id}/a.jpg", "Ảnh", None, 0),),
            related=(RelatedLink(f"https://baohatinh.vn/x-post{number}.html", "Đọc thêm", None,
                                 "doc-them"),),
            parser_version="1",
        )
        body = f"<html><body><ul>{FRAME}</ul><article>{article.body_html}</article></body></html>"
        raw = RawPage(url, url, 200, {"content-type": "text/html; charset=utf-8"},
                      body.encode(), datetime.now(UTC))
        yield article, raw


def measure(url: str, count: int, batch: int = 1) -> dict[str, float]:
    with Store.open(url) as store:
        started = time.perf_counter()
        if batch <= 1:
            for article, raw in generated(count):
                store.save_article(article, raw)
        else:
            articles = generated(count)
            while group := [ArticleToSave(a, r) for a, r in islice(articles, batch)]:
                store.save_articles(group)
        seconds = time.perf_counter() - started
        figures = archive_stats(store)
    return {
        "articles_per_second": count / seconds,
        "raw_bytes_per_article": figures["raw_bytes_per_article"],
        "raw_stored_per_article": figures["raw_stored_bytes_per_article"],
        "total_per_article": figures["database_bytes_per_article"],
    }


def codec_baseline(count: int) -> dict[str, tuple[float, float]]:
    """Return ``codec: (stored bytes per article, compress ms per article)`` on a sample."""
    sample = [raw.body for _, raw in generated(min(count, 500))]
    result = {}
    for name, compress in (("zlib (0001)", zlib.compress), ("zstd (now)", rawcodec.compress)):
        started = time.perf_counter()
        size = sum(len(compress(body)) for body in sample)
        result[name] = (size / len(sample), (time.perf_counter() - started) / len(sample) * 1000)
    return result


def postgres_schema(base: str) -> tuple[str, object, str]:
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalize_url(base))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = normalize_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), admin, schema


def report(name: str, figures: dict[str, float]) -> None:
    print(
        f"{name:<11} {figures['articles_per_second']:8.1f} articles/s   raw "
        f"{figures['raw_bytes_per_article']:>7,.0f} B/article original, "
        f"{figures['raw_stored_per_article']:>6,.0f} B stored   total on disk "
        f"{figures['total_per_article']:>7,.0f} B/article"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=1, help="articles per transaction")
    parser.add_argument("--postgres", default=os.environ.get("BAOHATINH_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    per = "one transaction each" if args.batch <= 1 else f"{args.batch} per transaction"
    print(f"{args.articles:,} generated articles, {per}")
    for codec, (size, ms) in codec_baseline(args.articles).items():
        print(f"raw page codec {codec:<12} {size:>7,.0f} B/page  {ms:5.2f} ms/page")
    with tempfile.TemporaryDirectory() as folder:
        report("SQLite", measure(f"sqlite:///{folder}/bench.db", args.articles, args.batch))
    if not args.postgres:
        print("PostgreSQL  skipped: give --postgres URL or set BAOHATINH_TEST_POSTGRES_URL")
        return
    url, admin, schema = postgres_schema(args.postgres)
    try:
        report("PostgreSQL", measure(url, args.articles, args.batch))
    finally:
        with admin.begin() as conn:  # type: ignore[attr-defined]
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
