"""Search latency on a synthetic archive the size of the whole site (300,000 articles).

Builds the archive in bulk (articles, images and search rows written many per statement,
not ``Store.save_article`` one by one), then runs a fixed set of 50 queries (words,
phrases, folded and exact, OR, exclusions, prefixes, title-only, filters, date sort)
through ``storage.search.search`` and prints p50/p95 latency and the index size, for
SQLite and, when a URL is given, PostgreSQL. The queries are timed on the index as
written (``as_built_*``: many segments, as a crawl leaves them between maintenance runs),
then again after ``Store.optimize_search_index`` (``baohatinh db optimize``), which gives
the headline ``p50_ms``/``p95_ms``. The baseline, measured in the same run, is a
bare full-text match of the same words (no ranking, filters, count or snippets): the gap
is what ranking and the rest cost. Target: p95 under 50 ms on SQLite.

    .venv/bin/python benchmarks/search.py                      # 300,000 articles, SQLite
    .venv/bin/python benchmarks/search.py --articles 20000 \\
        --postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Synthetic text: syllables drawn from a Vietnamese vocabulary with Zipf frequencies; the
search rows are written from the same words the indexer would produce (folded and exact,
space-joined); on PostgreSQL the tsvectors are built in SQL (``to_tsvector('simple', …)``
per field), so phrase positions may differ from ours at field borders only.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, create_engine, insert, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from storage import SearchFilters, SearchQuery, Store, search  # noqa: E402
from storage.engine import normalize_url  # noqa: E402
from storage.fold import word_pairs  # noqa: E402
from storage.index import (  # noqa: E402
    ABOUT_MARK,
    FTS_COLUMNS,
    GAP,
    TITLE_MARK,
    SearchDocument,
    facet_words,
    key_of,
    search_rowid,
    sqlite_texts,
)
from storage.models import ArticleRow, ImageRow  # noqa: E402

VOCABULARY = [
    "Đảng",
    "bộ",
    "chi",
    "cán",
    "viên",
    "Huyện",
    "ủy",
    "uỷ",
    "Tỉnh",
    "Ban",
    "Thường",
    "vụ",
    "hội",
    "nghị",
    "quán",
    "triệt",
    "nghị",
    "quyết",
    "công",
    "tác",
    "dân",
    "vận",
    "khéo",
    "phong",
    "trào",
    "thi",
    "đua",
    "xây",
    "dựng",
    "nông",
    "thôn",
    "mới",
    "Hương",
    "Sơn",
    "Khê",
    "Thạch",
    "Hà",
    "Can",
    "Lộc",
    "Nghi",
    "Xuân",
    "Cẩm",
    "Xuyên",
    "Kỳ",
    "Anh",
    "Đức",
    "Thọ",
    "Vũ",
    "Quang",
    "Tĩnh",
    "kiểm",
    "tra",
    "giám",
    "sát",
    "kỷ",
    "luật",
    "đại",
    "hội",
    "nhiệm",
    "kỳ",
    "bầu",
    "cử",
    "đồng",
    "chí",
    "Bí",
    "thư",
    "Phó",
    "Chủ",
    "tịch",
    "UBND",
    "HĐND",
    "MTTQ",
    "lãnh",
    "đạo",
    "chỉ",
    "đạo",
    "triển",
    "khai",
    "thực",
    "hiện",
    "kế",
    "hoạch",
    "năm",
    "giai",
    "đoạn",
    "kết",
    "quả",
    "đánh",
    "giá",
    "tổng",
    "kết",
    "biểu",
    "dương",
    "khen",
    "thưởng",
    "điển",
    "hình",
    "mô",
    "hình",
    "sáng",
    "tạo",
    "hiệu",
    "quả",
    "người",
    "dân",
    "Nhân",
    "cơ",
    "sở",
    "thôn",
    "xóm",
    "xã",
    "phường",
    "thị",
    "trấn",
    "huyện",
    "tỉnh",
    "trung",
    "ương",
    "chính",
    "trị",
    "tư",
    "tưởng",
    "đạo",
    "đức",
    "phong",
    "cách",
    "Hồ",
    "Chí",
    "Minh",
    "học",
    "tập",
    "làm",
    "theo",
    "gương",
    "mẫu",
    "đi",
    "đầu",
    "trách",
    "nhiệm",
    "nêu",
    "gương",
    "tổ",
    "chức",
    "hoạt",
    "động",
    "sinh",
    "hoạt",
    "chất",
    "lượng",
    "nâng",
    "cao",
    "đổi",
    "mới",
    "phương",
    "thức",
    "kinh",
    "tế",
    "xã",
    "hội",
    "văn",
    "hóa",
    "hoà",
    "hòa",
    "giải",
    "thủy",
    "thuỷ",
    "lợi",
    "an",
    "ninh",
    "quốc",
    "phòng",
    "trật",
    "tự",
    "đang",
    "sẽ",
    "đã",
    "được",
    "có",
    "không",
    "những",
    "các",
    "một",
    "hai",
    "ba",
    "với",
    "cho",
    "của",
    "và",
    "là",
    "trong",
    "ngày",
    "tháng",
]
SECTIONS = [("Xây dựng Đảng", "xay-dung-dang"), ("Chính trị", "chinh-tri"), ("Xã hội", "xa-hoi")]
TAGS = ["Dân vận khéo", "Hương Sơn", "Công tác cán bộ", "Đại hội Đảng", "Nông thôn mới"]
AUTHORS = ["Thu Hà", "Minh Anh", "Lê Văn", "Phan Trâm", "Hồng Nhung", None]
START = datetime(2015, 1, 1, tzinfo=UTC)

QUERIES: list[SearchQuery] = [
    *(SearchQuery(q) for q in ["Đảng", "dang", "Huyện ủy", "huyen uy", "Huyện uỷ", "dân vận"]),
    *(SearchQuery(q) for q in ["dan van kheo", "Dân vận khéo", "thủy lợi", "thuỷ lợi", "hoà giải"]),
    *(SearchQuery(q) for q in ['"dân vận khéo"', '"dan van kheo"', '"nông thôn mới"', '"Bí thư"']),
    *(
        SearchQuery(q)
        for q in ['"nghị quyết trung ương"', "kiểm tra giám sát", "kiem tra giam sat"]
    ),
    *(SearchQuery(q) for q in ["Cẩm Xuyên", "cam xuyen", "Vũ Quang", "Hồ Chí Minh", "2019"]),
    *(SearchQuery(q) for q in ["Đảng OR Nhân", "đại hội -bầu", "khen*", "nghị*", "title:Đảng"]),
    *(SearchQuery(q) for q in ['title:"dân vận"', "Thạch Hà đại hội nhiệm kỳ", "không có đâu"]),
    SearchQuery("dân vận", title_only=True),
    SearchQuery("đảng viên", sort="newest"),
    SearchQuery("hội nghị", sort="oldest"),
    *(
        SearchQuery(q, SearchFilters(section="xay-dung-dang"))
        for q in ["Đảng", "dan van", "hoà giải", '"Bí thư"']
    ),
    *(
        SearchQuery(
            q,
            SearchFilters(
                date_from=START.date() + timedelta(days=900),
                date_to=START.date() + timedelta(days=1300),
            ),
        )
        for q in ["Đảng", "dan van kheo", "Kỳ Anh"]
    ),
    *(SearchQuery(q, SearchFilters(tag="Dân vận khéo")) for q in ["Hương Sơn", "dang"]),
    *(SearchQuery(q, SearchFilters(author="Thu Hà")) for q in ["chi bộ", "Huyện ủy"]),
    *(SearchQuery(q, SearchFilters(with_images=True)) for q in ["Đảng", "thôn xóm"]),
    SearchQuery("", SearchFilters(tag="Đại hội Đảng", with_images=True)),
    SearchQuery("", SearchFilters(section="chinh-tri", date_from=START.date())),
    SearchQuery("Đảng bộ", SearchFilters(section="xa-hoi", author="Minh Anh", with_images=True)),
]


@dataclass(frozen=True, slots=True)
class Synthetic:
    """One synthetic article: its columns and its search words (folded and exact)."""

    row: dict[str, object]
    search: dict[str, str]
    has_images: bool


class Generator:
    """Synthetic articles from a Zipf-weighted vocabulary, reproducibly (fixed seed)."""

    def __init__(self, seed: int = 6, size: int = 6000) -> None:
        self.random = random.Random(seed)
        self.words = self._vocabulary(size)
        self.pairs = [word_pairs(word)[0] for word in self.words]
        self.weights = list(_cumulative([1 / (rank + 1) for rank in range(len(self.words))]))

    def _vocabulary(self, size: int) -> list[str]:
        """Return ``size`` distinct syllables, most frequent first: made-up syllables with
        the real words of the queries spread over ranks 10 to 3,000 (a news vocabulary
        where "Đảng" is common and "Vũ Quang" rare)."""
        onsets = [
            "b",
            "c",
            "d",
            "đ",
            "g",
            "h",
            "kh",
            "l",
            "m",
            "n",
            "ng",
            "nh",
            "ph",
            "s",
            "t",
            "th",
            "tr",
            "v",
            "x",
        ]
        rhymes = [
            "a",
            "ai",
            "am",
            "an",
            "ang",
            "anh",
            "ao",
            "at",
            "âm",
            "ân",
            "ât",
            "e",
            "em",
            "en",
            "ê",
            "ên",
            "i",
            "im",
            "in",
            "inh",
            "o",
            "oa",
            "oan",
            "oi",
            "om",
            "ong",
            "ô",
            "ông",
            "ơ",
            "ơi",
            "u",
            "ui",
            "um",
            "un",
            "ung",
            "ư",
            "ưng",
            "ương",
            "ưu",
        ]
        tones = ["", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"]
        made = {
            unicodedata.normalize("NFC", onset + rhyme[0] + tone + rhyme[1:])
            for onset in onsets for rhyme in rhymes for tone in tones
        }  # fmt: skip
        real = list(dict.fromkeys(VOCABULARY))
        pool = [word for word in sorted(made) if word.lower() not in {w.lower() for w in real}]
        self.random.shuffle(pool)
        words = pool[: size - len(real)]
        ranks = sorted(self.random.sample(range(10, 3000), len(real)))
        for rank, word in zip(ranks, real, strict=True):
            words.insert(rank, word)
        return words

    def _text(self, size: int) -> tuple[str, str, str]:
        picks = self.random.choices(range(len(self.words)), cum_weights=self.weights, k=size)
        return (
            " ".join(self.words[i] for i in picks),
            " ".join(self.pairs[i][0] for i in picks),
            " ".join(self.pairs[i][1] for i in picks),
        )

    def article(self, number: int) -> Synthetic:
        rnd = self.random
        title, lead, body = (
            self._text(rnd.randint(8, 14)),
            self._text(25),
            self._text(rnd.randint(250, 450)),
        )
        section, slug = rnd.choice(SECTIONS)
        tags = rnd.sample(TAGS, rnd.randint(0, 2))
        author = rnd.choice(AUTHORS)
        published = START + timedelta(minutes=rnd.randint(0, 10 * 365 * 24 * 60))
        has_images = rnd.random() < 0.3
        facets = SearchDocument("", None, "", tags, author, section, None, has_images)
        tag_words = [word_pairs(tag) for tag in tags]
        search_text = {
            "title": title[1], "lead": lead[1], "body": body[1],
            "tags": f" {GAP} ".join(" ".join(f for f, _ in pairs) for pairs in tag_words),
            "title_exact": title[2], "lead_exact": lead[2], "body_exact": body[2],
            "tags_exact": f" {GAP} ".join(" ".join(e for _, e in pairs) for pairs in tag_words),
            "title_key": " ".join(TITLE_MARK + word for word in title[1].split()),
            "about_key": " ".join(
                word if word == GAP else ABOUT_MARK + word
                for word in [*lead[1].split(), *([GAP] if tags else []),
                             *f" {GAP} ".join(" ".join(f for f, _ in p) for p in tag_words).split()]
            ),
            "facet_key": " ".join(facet_words(facets)),
            "author_key": key_of(author), "section_key": key_of(section),
            "tag_keys": "|" + "".join(key_of(tag) + "|" for tag in tags),
        }  # fmt: skip
        row = {
            "article_id": str(100000 + number),
            "url": f"https://baohatinh.vn/bai-{number}-post{100000 + number}.html",
            "title": title[0], "lead": lead[0], "body_text": body[0],
            "published_at": published, "author": author, "section": section,
            "section_slug": slug, "tags": tags, "body_paragraphs": [body[0]], "body_html": "",
            "template": "cms", "sources": {}, "warnings": [], "parser_version": "bench",
            "content_hash": uuid.uuid4().hex, "first_seen_at": published,
            "last_fetched_at": published, "last_changed_at": published,
        }  # fmt: skip
        return Synthetic(row, search_text, has_images)


def _cumulative(values: list[float]) -> Iterator[float]:
    total = 0.0
    for value in values:
        total += value
        yield total


# --- building ----------------------------------------------------------------------------


def build(store: Store, count: int, batch: int = 2000) -> float:
    """Fill an empty archive with ``count`` synthetic articles; return the seconds taken."""
    generator = Generator()
    began = time.perf_counter()
    done = 0
    while done < count:
        items = [generator.article(n) for n in range(done, min(done + batch, count))]
        with store.engine.begin() as conn:
            _write_batch(conn, items, first_pk=done + 1)
        done += len(items)
        print(f"\r  built {done:,}/{count:,}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return time.perf_counter() - began


def _write_batch(conn: Connection, items: list[Synthetic], first_pk: int) -> None:
    rows = [
        {
            "id": first_pk + i,
            **item.row,
            "search_rowid": search_rowid(item.row["published_at"], first_pk + i),
        }
        for i, item in enumerate(items)
    ]
    conn.execute(insert(ArticleRow.__table__), rows)
    images = [
        {"article_pk": row["id"], "position": 0, "url": f"https://cdn.baohatinh.vn/{row['id']}.jpg"}
        for row, item in zip(rows, items, strict=True)
        if item.has_images
    ]
    if images:
        conn.execute(insert(ImageRow.__table__), images)
    search_rows = [
        {"pk": row["id"], "rowid": row["search_rowid"], **item.search}
        for row, item in zip(rows, items, strict=True)
    ]
    if conn.dialect.name == "sqlite":
        _write_sqlite_search(conn, search_rows)
    else:
        _write_postgresql_search(conn, search_rows)


def _write_sqlite_search(conn: Connection, rows: list[dict[str, str]]) -> None:
    # The columns as the indexer writes them (exact words without diacritics marked).
    rows = [{**row, **sqlite_texts({c: row[c].split() for c in FTS_COLUMNS})} for row in rows]
    columns = ", ".join(FTS_COLUMNS)
    values = ", ".join(":" + name for name in FTS_COLUMNS)
    conn.execute(
        text(
            f"INSERT INTO article_search_doc (search_rowid, article_pk, {columns}) "
            f"VALUES (:rowid, :pk, {values})"
        ),
        rows,
    )
    fts = ", ".join(FTS_COLUMNS)
    conn.execute(
        text(
            f"INSERT INTO article_search (rowid, {fts}) "
            f"VALUES (:rowid, {', '.join(':' + name for name in FTS_COLUMNS)})"
        ),
        rows,
    )


def _weighted(prefix: str) -> str:
    suffix = "" if prefix == "" else "_exact"
    parts = [("title", "A"), ("lead", "B"), ("tags", "C"), ("body", "D")]
    return " || ".join(
        f"setweight(to_tsvector('simple', :{field}{suffix}), '{weight}')" for field, weight in parts
    )


def _write_postgresql_search(conn: Connection, rows: list[dict[str, str]]) -> None:
    conn.execute(
        text(
            "INSERT INTO article_search "
            "(article_pk, document, exact, author_key, section_key, tag_keys) "
            f"VALUES (:pk, {_weighted('')}, {_weighted('exact')}, "
            ":author_key, :section_key, :tag_keys)"
        ),
        rows,
    )


# --- measuring ---------------------------------------------------------------------------


def timed(run: Callable[[], object], repeat: int) -> float:
    """Return the median of ``repeat`` runs of ``run``, in milliseconds."""
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def percentiles(values: list[float]) -> tuple[float, float]:
    """Return the p50 and p95 of ``values``."""
    cuts = statistics.quantiles(values, n=20, method="inclusive")
    return statistics.median(values), cuts[18]


def baseline(store: Store, request: SearchQuery) -> Callable[[], object]:
    """A bare match of the query's folded words: the floor any search stands on."""
    words = [word for term in request.parsed().terms for word in term.folded]
    if not words:
        return lambda: None
    if store.dialect == "sqlite":
        sql = "SELECT rowid FROM article_search WHERE article_search MATCH :q LIMIT 20"
        query = " ".join(f'"{word}"' for word in words)
    else:
        sql = "SELECT article_pk FROM article_search WHERE document @@ CAST(:q AS tsquery) LIMIT 20"
        query = " & ".join(f"'{word}'" for word in words)

    def run() -> object:
        with store.engine.connect() as conn:
            return conn.execute(text(sql), {"q": query}).all()

    return run


def index_size(store: Store) -> int:
    """Return the bytes the search index takes (tables and indexes)."""
    with store.engine.connect() as conn:
        if store.dialect == "postgresql":
            return int(
                conn.execute(text("SELECT pg_total_relation_size('article_search')")).scalar_one()
            )
        names = "name LIKE 'article_search%'"
        try:
            return int(
                conn.execute(text(f"SELECT sum(pgsize) FROM dbstat WHERE {names}")).scalar_one()
            )
        except Exception:  # dbstat not compiled in: count the FTS shadow tables' pages
            page = int(conn.execute(text("PRAGMA page_size")).scalar_one())
            return page * int(conn.execute(text("PRAGMA page_count")).scalar_one())


def latencies(store: Store, repeat: int) -> list[float]:
    """Time each query of the set (after one warm-up run of them all, as a running
    archive's caches would be)."""
    for request in QUERIES:
        search(store, request, limit=20)
    return [timed(lambda r=request: search(store, r, limit=20), repeat) for request in QUERIES]


def measure(name: str, store: Store, count: int, repeat: int) -> dict[str, object]:
    """Build, time the query set as built and again after ``db optimize``; print and
    return the figures."""
    seconds = build(store, count)
    with store.engine.connect() as conn:
        if store.dialect == "postgresql":
            conn.execute(text("ANALYZE"))
            conn.commit()
    as_built = latencies(store, repeat)
    began = time.perf_counter()
    store.optimize_search_index()  # what `baohatinh db optimize` does
    optimize_seconds = time.perf_counter() - began
    measured = latencies(store, repeat)
    floors = [timed(baseline(store, request), repeat) for request in QUERIES]
    p50, p95 = percentiles(measured)
    b50, b95 = percentiles(floors)
    a50, a95 = percentiles(as_built)
    slowest = sorted(zip(measured, QUERIES, strict=True), key=lambda pair: -pair[0])[:3]
    figures = {
        "database": name, "articles": count, "build_seconds": round(seconds, 1),
        "p50_ms": round(p50, 1), "p95_ms": round(p95, 1),
        "as_built_p50_ms": round(a50, 1), "as_built_p95_ms": round(a95, 1),
        "optimize_seconds": round(optimize_seconds, 1),
        "baseline_p50_ms": round(b50, 1), "baseline_p95_ms": round(b95, 1),
        "index_mb": round(index_size(store) / 1e6, 1),
        "slowest": [f"{ms:.0f} ms {q.text!r} {q.filters if not q.filters.is_empty() else ''}"
                    for ms, q in slowest],
    }  # fmt: skip
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    return figures


def main() -> None:
    """Parse the options and run the benchmark on each database asked for."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per query (median kept)")
    parser.add_argument("--sqlite", help="SQLite file to build (default: a temporary one)")
    parser.add_argument("--postgres-url", help="PostgreSQL database to build a schema in")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    print(f"{len(QUERIES)} queries, {args.articles:,} articles", file=sys.stderr)
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            path = args.sqlite or str(Path(folder) / "bench.db")
            with Store.open(f"sqlite:///{path}") as store:
                measure("sqlite", store, args.articles, args.repeat)
    if args.postgres_url:
        with _postgres_schema(args.postgres_url) as url, Store.open(url) as store:
            measure("postgresql", store, args.articles, args.repeat)


class _postgres_schema:  # noqa: N801 - used as a context manager, reads like a function
    """A fresh schema for the run, dropped afterwards."""

    def __init__(self, base: str) -> None:
        self.base = normalize_url(base)
        self.schema = f"bench_{uuid.uuid4().hex[:12]}"
        self.admin = create_engine(self.base)

    def __enter__(self) -> str:
        with self.admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{self.schema}"'))
        url = self.base.update_query_dict({"options": f"-csearch_path={self.schema}"})
        return url.render_as_string(hide_password=False)

    def __exit__(self, *_: object) -> None:
        with self.admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{self.schema}" CASCADE'))
        self.admin.dispose()


if __name__ == "__main__":
    main()
