"""The search index: rebuilt by its migration for articles already archived, kept in step
when an article changes or is deleted, and visible to Datasette as full-text search."""

from __future__ import annotations

import json
import re
from pathlib import Path

from alembic import command
from sqlalchemy import text

from storage import SearchFilters, Store, head_revision, search
from storage.engine import make_engine
from storage.index import EXACT_MARK, sqlite_exact_word
from storage.migrate import alembic_config
from tests.fixtures_db import make_article, make_raw

SEED = make_article("274411")  # title: Hương Sơn biểu dương 19 mô hình "Dân vận khéo" …
OTHER = make_article(
    "274412",
    url="https://baohatinh.vn/hoi-nghi-post274412.html",
    title="Hội nghị Ban Chấp hành Đảng bộ tỉnh",
    lead=None,
    tags=("Đảng bộ",),
    body_paragraphs=("Đảng bộ tỉnh họp phiên thường kỳ.",),
)


def _migrate(url: str, target: str, *, down: bool) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            config = alembic_config()
            config.attributes["connection"] = conn
            (command.downgrade if down else command.upgrade)(config, target)
    finally:
        engine.dispose()


def test_the_migration_indexes_articles_archived_before_it(db_url: str) -> None:
    with Store.open(db_url) as store:
        for article in (SEED, OTHER):
            store.save_article(article, make_raw(article))
    _migrate(db_url, "0001", down=True)  # back to the folded-only index of 0001
    with Store.open(db_url) as store:  # upgrades to head, rebuilding the index
        assert store.schema_revision() == head_revision()
        assert [hit.article_id for hit in search(store, "Đảng bộ").hits] == ["274412"]
        assert [hit.article_id for hit in search(store, "dan van kheo").hits] == ["274411"]
        results = search(store, "", filters=SearchFilters(tag="Đảng bộ"))
        assert [hit.article_id for hit in results.hits] == ["274412"]


def test_filtered_search_works_on_an_archive_filled_before_the_keys_index(db_url: str) -> None:
    with Store.open(db_url) as store:
        for article in (SEED, OTHER):
            store.save_article(article, make_raw(article))
    _migrate(db_url, "0005", down=True)  # before the covering index of the filter keys
    with Store.open(db_url) as store:
        assert store.schema_revision() == head_revision()
        results = search(store, "dang", filters=SearchFilters(tag="Đảng bộ"))
        assert (results.total, [hit.article_id for hit in results.hits]) == (1, ["274412"])
        section = SearchFilters(section=SEED.section)
        assert search(store, "dan van kheo", filters=section).total == 1


def test_sqlite_marks_the_exact_words_that_have_no_diacritics(tmp_path: Path) -> None:
    # Unmarked, "ban" exact would share its list of documents with every folded "ban".
    with Store.open(f"sqlite:///{tmp_path / 'a.db'}") as store:
        store.save_article(OTHER, make_raw(OTHER))
        with store.engine.connect() as conn:
            title, exact = conn.execute(
                text("SELECT title, title_exact FROM article_search_doc")
            ).one()
    assert title == "hoi nghi ban chap hanh dang bo tinh"
    assert exact == f"hội nghị {EXACT_MARK}ban chấp hành đảng bộ tỉnh"
    assert sqlite_exact_word("ban", "ban") == EXACT_MARK + "ban"
    assert sqlite_exact_word("dang", "đảng") == "đảng"


def test_downgrading_below_the_exact_marks_leaves_a_sound_0007_index(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    with Store.open(url) as store:
        store.save_article(OTHER, make_raw(OTHER))
    _migrate(url, "0007", down=True)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            exact = conn.execute(text("SELECT title_exact FROM article_search_doc")).scalar_one()
            assert exact == "hội nghị ban chấp hành đảng bộ tỉnh"
            conn.execute(
                text("INSERT INTO article_search (article_search) VALUES ('integrity-check')")
            )
            # The 0007 way of asking for an exact word without diacritics: a column filter.
            found = conn.execute(
                text("SELECT count(*) FROM article_search WHERE article_search MATCH :q"),
                {"q": '{title_exact} : "ban"'},
            ).scalar_one()
            assert found == 1
    finally:
        engine.dispose()
    with Store.open(url) as store:  # upgrades again: marked, and found exactly
        assert search(store, "ban chấp hành").total == 1
        assert search(store, '"hội nghị ban"').total == 1


def test_a_changed_article_is_found_by_its_new_words_only(store: Store) -> None:
    store.save_article(SEED, make_raw(SEED))
    changed = make_article("274411", title="Tiêu đề mới về thủy lợi", lead=None, tags=())
    store.save_article(changed, make_raw(changed, body=b"<html>v2</html>"))
    assert search(store, "thuỷ lợi").total == 1
    assert search(store, '"biểu dương 19"').total == 0


def test_a_deleted_article_leaves_the_index(store: Store) -> None:
    for article in (SEED, OTHER):
        store.save_article(article, make_raw(article))
    with store.engine.begin() as conn:
        for table in ("images", "related_links", "article_revisions"):
            conn.execute(text(f"DELETE FROM {table}"))
        conn.execute(text("DELETE FROM articles WHERE article_id = '274412'"))
    assert search(store, "Đảng bộ").total == 0
    assert search(store, "dan van kheo").total == 1


# --- Datasette ---------------------------------------------------------------------------

# What Datasette (0.65) runs, copied from datasette/filters.py and datasette/utils: with
# ``fts_table`` and ``fts_pk`` from the metadata file, the search it runs on a table.
DATASETTE_SEARCH = (
    "select article_id from articles where {fts_pk} in "
    "(select rowid from {fts_table} where {fts_table} match :search)"
)
METADATA = Path(__file__).resolve().parents[1] / "datasette.json"
_escape_fts_re = re.compile(r'\s+|(".*?")')


def datasette_escape_fts(query: str) -> str:
    if query.count('"') % 2:
        query += '"'
    bits = [bit for bit in _escape_fts_re.split(query) if bit and bit != '""']
    return " ".join(f'"{bit}"' if not bit.startswith('"') else bit for bit in bits)


def test_datasette_searches_articles_with_the_metadata_file_of_the_readme(
    tmp_path: Path,
) -> None:
    config = json.loads(METADATA.read_text())["databases"]["archive"]["tables"]["articles"]
    url = f"sqlite:///{tmp_path / 'archive.db'}"
    with Store.open(url) as store:
        for article in (SEED, OTHER):
            store.save_article(article, make_raw(article))
        with store.engine.connect() as conn:
            driver = conn.connection.driver_connection
            assert driver is not None
            sql = DATASETTE_SEARCH.format(**config)
            for typed, expected in [
                ("dân vận khéo", ["274411"]),  # the exact words
                ("dan van kheo", ["274411"]),  # the folded words
                ("Đảng", ["274412"]),  # capital Đ: the tokenizer lower-cases it
                ("ĐẢNG BỘ", ["274412"]),
                ("Huyện ủy", ["274411"]),
                ('"dân vận"', ["274411"]),
                ("hội nghị ban chấp hành", ["274412"]),  # "ban": the folded column
                ('"ban chap hanh"', ["274412"]),  # a phrase with such a word: folded
            ]:
                rows = driver.execute(sql, {"search": datasette_escape_fts(typed)}).fetchall()
                assert [row[0] for row in rows] == expected, typed


def test_optimizing_the_index_keeps_every_match(store: Store) -> None:
    for article in (SEED, OTHER):
        store.save_article(article, make_raw(article))
    before = [search(store, query).hits for query in ("Đảng bộ", "dan van kheo", "hội nghị")]
    store.optimize_search_index()
    after = [search(store, query).hits for query in ("Đảng bộ", "dan van kheo", "hội nghị")]
    assert after == before and all(before)
