"""The web application end to end, as a researcher uses it: a real headless Chromium
(Debian's ``chromium``, driven by Playwright) against ``baohatinh serve`` over an archive
crawled from the sample site. Each page is saved as a screenshot under ``test-artifacts/``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from scraper.demo import run_demo
from storage import Store, search
from tests.fixtures_db import make_article, make_raw

BIN = Path(sys.executable).parent / "baohatinh"
CHROMIUM = "/usr/bin/chromium"
# Debian's chromium, never a browser that Playwright would download; no network chatter.
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
SEED_TITLE = 'Hương Sơn biểu dương 19 mô hình "Dân vận khéo" giai đoạn 2019 - 2024'


SCRIPT = "<script>alert('xss')</script>"


@pytest.fixture(scope="module")
def demo_archive(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The sample site crawled into an SQLite file, plus a later version of the seed (so it
    has a revision history) and an article carrying a script; returns its database URL."""
    result = run_demo(db_path=str(tmp_path_factory.mktemp("web") / "demo.db"))
    assert result.report.exit_code == 0
    with Store.open(result.database_url) as store:
        seed = store.get_article("274411")
        body = list(seed.article.body_paragraphs)
        body[1] = body[1].replace("200 đại biểu", "250 đại biểu")
        later = replace(seed.article, body_paragraphs=tuple(body))
        two_days_later = seed.last_fetched_at + timedelta(days=2)
        store.save_article(later, make_raw(later, fetched_at=two_days_later))
        hostile = make_article("666", title=f"Bài có {SCRIPT}", lead=SCRIPT, tags=("Kiểm thử",),
                               body_paragraphs=(f"Đoạn {SCRIPT}",), related=())
        store.save_article(hostile, make_raw(hostile))
    return result.database_url


@pytest.fixture(scope="module")
def server(demo_archive: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``baohatinh serve --port 0`` over the demo archive; yields the URL it printed."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("BAOHATINH_")}
    environ["BAOHATINH_DATABASE_URL"] = demo_archive
    process = subprocess.Popen(
        [str(BIN), "serve", "--port", "0"], cwd=tmp_path_factory.mktemp("serve"), env=environ,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "Serving the archive at " in line, process.stderr
        yield line.split(" at ")[1].split()[0]
    finally:
        process.terminate()
        process.communicate(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="vi-VN",
                                  accept_downloads=True, java_script_enabled=False)
    opened = context.new_page()
    yield opened
    context.close()


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def search_for(page: Page, base_url: str, query: str) -> None:
    page.goto(base_url)
    page.fill("#q", query)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def hit_titles(page: Page) -> list[str]:
    return page.locator(".hit h2 a").all_inner_texts()


@pytest.mark.parametrize(
    ("query", "name"), [("dân vận khéo", "search-diacritics"), ("dan van kheo", "search-plain")]
)
def test_search_with_or_without_diacritics_finds_the_seed(
    page: Page, server: str, demo_archive: str, query: str, name: str
) -> None:
    search_for(page, server, query)
    screenshot(page, name)
    with Store.open(demo_archive, upgrade=False) as store:
        expected = search(store, "dân vận khéo").total
    assert f"Tìm thấy {expected} bài cho «{query}»" in page.inner_text(".total")
    assert SEED_TITLE in hit_titles(page)
    marks = page.locator(".hit mark").all_inner_texts()
    assert {"dân", "vận", "khéo"} <= {mark.lower() for mark in marks}


def test_open_the_seed_then_follow_doc_them_to_the_archived_copy(page: Page, server: str) -> None:
    search_for(page, server, "dân vận khéo")
    page.click(f"text={SEED_TITLE}")
    page.wait_for_load_state()
    assert page.url.endswith("/bai/274411")
    assert page.inner_text("h1") == SEED_TITLE
    assert "15/10/2024 10:12" in page.inner_text(".meta")
    assert "Thu Hà" in page.inner_text(".meta")
    assert "Bí thư Huyện ủy Hương Sơn Bùi Nhân Sâm kết luận hội nghị." in page.inner_text(
        ".images"
    )
    history = page.inner_text(".history")
    assert "Phiên bản 2" in history and "Phiên bản 1" in history
    assert "250 đại biểu" in page.inner_text(".history ins")
    assert "200 đại biểu" in page.inner_text(".history del")
    screenshot(page, "article-seed")
    page.locator(".history").screenshot(path=str(ARTIFACTS / "article-seed-history.png"))
    page.locator(".doc-them").screenshot(path=str(ARTIFACTS / "article-seed-doc-them.png"))

    first = page.locator(".doc-them a.archived").first
    title = first.inner_text()
    first.click()
    page.wait_for_load_state()
    assert "/bai/" in page.url and not page.url.endswith("/bai/274411")
    assert page.inner_text("h1") == title
    screenshot(page, "article-doc-them")


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_download_the_result_set(page: Page, server: str, tmp_path: Path, fmt: str) -> None:
    search_for(page, server, "dan van kheo")
    total = int(page.inner_text(".total strong"))
    label = {"csv": "CSV", "jsonl": "JSON Lines"}[fmt]
    with page.expect_download() as info:
        page.click(f".export a:text-is('{label}')")
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.suffix == f".{fmt}"
    text = saved.read_text(encoding="utf-8")
    if fmt == "csv":
        rows = [row["article_id"] for row in csv.DictReader(io.StringIO(text))]
    else:
        rows = [json.loads(line)["article_id"] for line in text.splitlines()]
    assert len(rows) == total and "274411" in rows


def test_filters_and_pages_work_without_javascript(page: Page, server: str) -> None:
    page.goto(server)
    page.fill("input[name=tu_khoa]", "dan van kheo")
    page.select_option("select[name=sap_xep]", "oldest")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    screenshot(page, "search-filtered")
    titles = hit_titles(page)
    assert titles and SEED_TITLE in titles
    page.goto(server)
    page.click(".pagination a:text-is('2')")
    page.wait_for_load_state()
    assert "trang=2" in page.url and "trang 2" in page.inner_text(".total")
    screenshot(page, "browse-page-2")


def test_an_article_carrying_a_script_shows_it_as_text_and_runs_nothing(
    browser: Browser, server: str
) -> None:
    context = browser.new_context(java_script_enabled=True)  # so an injected script would run
    dialogs: list[str] = []
    page = context.new_page()
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        page.goto(f"{server}bai/666")
        assert dialogs == []
        assert page.inner_text("h1") == f"Bài có {SCRIPT}"
        assert page.inner_text(".lead") == SCRIPT
        assert page.locator("main script").count() == 0
        screenshot(page, "article-script-as-text")
    finally:
        context.close()
    assert dialogs == []
