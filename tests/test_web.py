"""The read-only web application, through Starlette's TestClient, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from scraper.records import Image, ImageFile, RelatedLink
from scraper.web import archived_image_files, create_app, marked
from storage import EXPORT_KEYS, SearchHit, Store, search
from storage.export import CITATION_KEYS
from storage.images import pending_images
from tests.fixtures_db import FETCHED_AT, VN, make_article, make_raw


def save(store: Store, *articles: object, fetched_at: datetime = FETCHED_AT) -> None:
    for article in articles:
        store.save_article(article, make_raw(article, fetched_at=fetched_at))  # type: ignore[arg-type]


def client_for(store: Store, **options: object) -> TestClient:
    return TestClient(create_app(store, **options))  # type: ignore[arg-type]


def total_of(html: str) -> int:
    found = re.search(r"<strong>(\d+)</strong>", html)
    assert found is not None, html
    return int(found.group(1))


def hit_titles(html: str) -> list[str]:
    return re.findall(r'<li class="hit">\s*<h2><a href="[^"]*">([^<]*)</a>', html)


@pytest.fixture
def archive(store: Store) -> Store:
    """Three articles: the seed-like one, one by another author on another day and tag,
    and one in another section, without images."""
    save(
        store,
        make_article("274411"),
        make_article(
            "274500",
            title="Can Lộc tổng kết công tác dân vận",
            author="Ngọc Loan",
            tags=("Can Lộc",),
            published_at=datetime(2025, 3, 2, 8, 0, tzinfo=VN),
            lead="Công tác dân vận ở Can Lộc.",
            body_paragraphs=("Huyện ủy Can Lộc tổng kết.",),
            related=(),
        ),
        make_article(
            "274600",
            title="Kỳ Anh đại hội chi bộ",
            section="Chính trị",
            author="Thu Hà",
            tags=("Kỳ Anh",),
            published_at=datetime(2023, 5, 1, 9, 0, tzinfo=VN),
            lead="Đại hội chi bộ điểm.",
            body_paragraphs=("Chi bộ thôn 1 tổ chức đại hội.",),
            related=(),
            images=(),
        ),
    )
    return store


# --- the search page ---------------------------------------------------------------------


@pytest.mark.parametrize("query", ["dân vận khéo", "dan van kheo", "DÂN VẬN KHÉO"])
def test_search_finds_with_or_without_diacritics_and_marks_the_words(
    archive: Store, query: str
) -> None:
    response = client_for(archive).get("/", params={"q": query})
    assert response.status_code == 200
    assert total_of(response.text) == 1
    assert hit_titles(response.text) == [
        "Hương Sơn biểu dương 19 mô hình &#34;Dân vận khéo&#34; giai đoạn 2019 - 2024"
    ]
    assert "“<mark>Dân</mark> <mark>vận</mark> <mark>khéo</mark>”" in response.text
    assert 'href="http://testserver/bai/274411"' in response.text


def test_the_page_speaks_vietnamese_and_needs_no_javascript(archive: Store) -> None:
    html = client_for(archive).get("/", params={"q": "dân vận"}).text
    assert '<html lang="vi">' in html
    for text in ["Tìm kiếm", "Lọc kết quả", "Từ ngày", "Đến ngày", "Chuyên mục", "Tác giả",
                 "Sắp xếp", "Phù hợp nhất", "Mới nhất", "Tìm thấy", "Xuất kết quả"]:
        assert text in html
    assert "<script" not in html
    assert '<form class="search" method="get"' in html


def test_the_count_agrees_with_the_command_line_search(archive: Store) -> None:
    for query in ["dân vận", "huyen uy", '"chi bộ"']:
        html = client_for(archive).get("/", params={"q": query}).text
        assert total_of(html) == search(archive, query).total


def test_an_empty_query_lists_every_article_newest_first(archive: Store) -> None:
    html = client_for(archive).get("/").text
    assert "Kho lưu trữ có <strong>3</strong> bài" in html
    assert hit_titles(html) == [
        "Can Lộc tổng kết công tác dân vận",
        "Hương Sơn biểu dương 19 mô hình &#34;Dân vận khéo&#34; giai đoạn 2019 - 2024",
        "Kỳ Anh đại hội chi bộ",
    ]


def test_every_article_oldest_first_when_asked_on_the_page_and_in_its_export(
    archive: Store,
) -> None:
    client = client_for(archive)
    newest = hit_titles(client.get("/").text)
    html = client.get("/", params={"sap_xep": "oldest"}).text
    assert hit_titles(html) == list(reversed(newest))
    assert '<option value="oldest" selected>' in html
    exported = client.get("/xuat.jsonl", params={"sap_xep": "oldest"}).text.splitlines()
    titles = [json.loads(line)["title"] for line in exported]
    assert [title.replace('"', "&#34;") for title in titles] == list(reversed(newest))


def test_sort_by_date_either_way(archive: Store) -> None:
    client = client_for(archive)
    newest = hit_titles(client.get("/", params={"q": "dân vận", "sap_xep": "newest"}).text)
    oldest = hit_titles(client.get("/", params={"q": "dân vận", "sap_xep": "oldest"}).text)
    assert newest[0] == "Can Lộc tổng kết công tác dân vận"
    assert oldest == list(reversed(newest))


def test_relevance_puts_the_title_match_first(archive: Store) -> None:
    html = client_for(archive).get("/", params={"q": "can loc"}).text
    assert hit_titles(html)[0] == "Can Lộc tổng kết công tác dân vận"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"tu_ngay": "2025-03-02"}, ["274500"]),
        ({"den_ngay": "2024-10-15"}, ["274411", "274600"]),
        ({"tu_ngay": "2024-10-15", "den_ngay": "2024-10-15"}, ["274411"]),
        ({"chuyen_muc": "Chính trị"}, ["274600"]),
        ({"tac_gia": "thu ha"}, ["274411", "274600"]),
        ({"tac_gia": "Ngọc Loan", "q": "dân vận"}, ["274500"]),
        ({"tu_khoa": "dan van kheo"}, ["274411"]),
        ({"tu_khoa": "Kỳ Anh"}, ["274600"]),
        ({"tu_khoa": "không có"}, []),
        ({"tac_gia": "Thu Hà", "chuyen_muc": "Xây dựng Đảng", "q": "huyện"}, ["274411"]),
    ],
)
def test_filters_narrow_the_results(
    archive: Store, params: dict[str, str], expected: list[str]
) -> None:
    html = client_for(archive).get("/", params=params).text
    if "q" not in params:
        assert f"Có <strong>{len(expected)}</strong> bài khớp bộ lọc" in html
    found = re.findall(r'<li class="hit">\s*<h2><a href="http://testserver/bai/(\d+)"', html)
    assert sorted(found) == expected
    assert total_of(html) == len(expected)


@pytest.mark.parametrize(
    "query",
    ['dân OR "chi bộ"', "dân -khéo", "kheo*", "title:can", "huyện -title:kỳ", "dan van"],
)
@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_the_query_language_and_ranking_are_the_command_lines(
    archive: Store, query: str, sort: str
) -> None:
    html = client_for(archive).get("/", params={"q": query, "sap_xep": sort}).text
    cli = search(archive, query, sort=sort)  # type: ignore[arg-type]
    assert total_of(html) == cli.total > 0
    found = re.findall(r'<li class="hit">\s*<h2><a href="http://testserver/bai/(\d+)"', html)
    assert found == [hit.article_id for hit in cli.hits]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"co_anh": "1"}, ["274500", "274411"]),
        ({"q": "dân vận", "chi_tieu_de": "1"}, ["274500", "274411"]),
        ({"q": "huyện", "chi_tieu_de": "1"}, []),
        ({"tu_ngay": "02/03/2025"}, ["274500"]),  # the day as a reader writes it
    ],
)
def test_with_images_title_only_and_vietnamese_days_as_on_the_command_line(
    archive: Store, params: dict[str, str], expected: list[str]
) -> None:
    html = client_for(archive).get("/", params=params).text
    found = re.findall(r'<li class="hit">\s*<h2><a href="http://testserver/bai/(\d+)"', html)
    assert found == expected


def test_the_form_keeps_what_was_asked(archive: Store) -> None:
    params = {"q": "dân vận", "tu_ngay": "2024-01-01", "tac_gia": "Thu Hà", "sap_xep": "oldest",
              "co_anh": "1", "chi_tieu_de": "1"}
    html = client_for(archive).get("/", params=params).text
    assert 'name="co_anh" value="1" checked' in html
    assert 'name="chi_tieu_de" value="1" checked' in html
    assert 'value="dân vận"' in html and 'value="2024-01-01"' in html
    assert 'value="Thu Hà"' in html
    assert '<option value="oldest" selected>' in html
    assert '<option value="Chính trị" >' in html  # the section list comes from the archive


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": '"dân vận'}, "thiếu dấu ngoặc kép đóng (unbalanced quotes in query"),
        ({"q": "!!!"}, "truy vấn không có từ nào để tìm (no searchable words"),
        ({"tu_ngay": "2024-13-01"}, "không hợp lệ (tu_ngay: &#39;2024-13-01&#39; is not a day"),
        ({"tu_ngay": "2025-01-02", "den_ngay": "2025-01-01"}, "khoảng ngày ngược (--to 2025-01-01"),
        ({"q": "-vận"}, "truy vấn chỉ loại trừ: thêm một từ cần tìm, hoặc một bộ lọc (query "),
        ({"q": "dân OR"}, "OR cần một từ hoặc cụm từ ở mỗi bên (OR needs a word"),
        ({"q": "dân OR -vận"}, "OR không nối được với một từ bị loại trừ (OR cannot join"),
        ({"q": "dân title:"}, "title: cần một từ ngay sau (title: needs a word"),
        ({"q": "dân NOT"}, "NOT cần một từ ngay sau (NOT needs a word"),
        ({"tac_gia": "!!!"}, "bộ lọc không dùng được (--author &#39;!!!&#39; has no letter"),
        ({"sap_xep": "random"}, "cách sắp xếp không có (unknown sort &#39;random&#39;"),
    ],
)
def test_a_bad_request_says_why_with_400(
    archive: Store, params: dict[str, str], message: str
) -> None:
    response = client_for(archive).get("/", params=params)
    assert response.status_code == 400
    assert "Không thực hiện được tìm kiếm" in response.text and message in response.text


# --- pagination --------------------------------------------------------------------------


@pytest.fixture
def many(store: Store) -> Store:
    base = datetime(2024, 1, 1, 8, 0, tzinfo=VN)
    save(store, *(
        make_article(str(300000 + n), published_at=base + timedelta(days=n), related=(),
                     title=f"Bài số {n} về dân vận")
        for n in range(25)
    ))
    return store


def test_results_come_in_pages_with_links_that_keep_the_query(many: Store) -> None:
    client = client_for(many, page_size=10)
    first = client.get("/", params={"q": "dân vận", "sap_xep": "newest"}).text
    assert total_of(first) == 25
    assert hit_titles(first)[0] == "Bài số 24 về dân vận" and len(hit_titles(first)) == 10
    assert '<span class="current" aria-current="page">1</span>' in first
    assert 'href="?q=d%C3%A2n+v%E1%BA%ADn&amp;sap_xep=newest&amp;trang=3"' in first
    third = client.get("/", params={"q": "dân vận", "sap_xep": "newest", "trang": "3"}).text
    assert hit_titles(third) == [f"Bài số {n} về dân vận" for n in range(4, -1, -1)]
    assert '<ol class="hits" start="21">' in third
    assert "« Trang trước" in third and "Trang sau »" not in third
    assert "Trang sau »" in first and "« Trang trước" not in first


def test_a_page_past_the_end_is_empty_and_a_bad_page_number_is_page_one(many: Store) -> None:
    client = client_for(many, page_size=10)
    assert hit_titles(client.get("/", params={"trang": "9"}).text) == []
    assert len(hit_titles(client.get("/", params={"trang": "abc"}).text)) == 10


def test_a_page_past_the_end_links_back_to_the_last_page_not_the_one_before(
    many: Store,
) -> None:
    # 25 results in pages of 10: page 98 would be just as empty as page 99.
    html = client_for(many, page_size=10).get("/", params={"q": "dân vận", "trang": "99"}).text
    assert "Trang này không có kết quả." in html
    assert '<a href="?q=d%C3%A2n+v%E1%BA%ADn&amp;trang=3">« Trang trước</a>' in html
    assert "trang=98" not in html and "Trang sau »" not in html


@pytest.mark.parametrize("trang", ["9223372036854775807", "9" * 5000])
def test_a_page_number_beyond_any_archive_is_a_400_naming_it(many: Store, trang: str) -> None:
    response = client_for(many, page_size=10).get("/", params={"q": "dân vận", "trang": trang})
    assert response.status_code == 400
    assert "số trang quá lớn (trang=&#39;" in response.text
    assert "at most 100,000,000" in response.text and len(response.text) < 20_000


def test_a_page_number_in_other_digits_is_page_one(many: Store) -> None:
    response = client_for(many, page_size=10).get("/", params={"trang": "²"})
    assert response.status_code == 200 and len(hit_titles(response.text)) == 10


# --- escaping ----------------------------------------------------------------------------

SCRIPT = "<script>alert('xss')</script>"


@pytest.fixture
def hostile(store: Store) -> Store:
    save(store, make_article(
        "666",
        title=f"Tiêu đề {SCRIPT}",
        lead=f"Sapo <b>đậm</b> {SCRIPT}",
        author='Tác giả "><img src=x onerror=alert(1)>',
        tags=(SCRIPT,),
        body_paragraphs=(f"Đoạn văn {SCRIPT} dân vận.",),
        images=(Image("javascript:alert(1)", f"Chú thích {SCRIPT}", None, 0),),
        related=(RelatedLink("https://baohatinh.vn/x-post7.html", SCRIPT, SCRIPT, "doc-them"),),
    ))
    return store


def test_an_article_containing_script_shows_it_as_text(hostile: Store) -> None:
    client = client_for(hostile)
    for html in [client.get("/bai/666").text, client.get("/", params={"q": "dân vận"}).text,
                 client.get("/", params={"q": "script alert"}).text]:
        assert "<script" not in html
        assert "<img src=x" not in html and "<b>" not in html
        assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in html
    page = client.get("/bai/666").text
    assert "javascript:" not in page  # a javascript: image URL is not made a link
    assert '<a href="#" rel="noopener noreferrer" class="image-link">' in page


def test_marked_escapes_everything_but_the_marks() -> None:
    hit = SearchHit("1", "u", "t", None, None, "a <b> & dân vận <i>", ((8, 15),))
    assert str(marked(hit)) == "a &lt;b&gt; &amp; <mark>dân vận</mark> &lt;i&gt;"


# --- read-only ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
@pytest.mark.parametrize("path", ["/", "/bai/274411", "/xuat.csv", "/static/style.css", "/nope"])
def test_every_method_but_get_and_head_is_refused_with_405(
    archive: Store, method: str, path: str
) -> None:
    response = client_for(archive).request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"


def test_head_is_answered_like_get_without_a_body(archive: Store) -> None:
    response = client_for(archive).head("/bai/274411")
    assert response.status_code == 200 and response.content == b""


def test_browsing_changes_nothing_in_the_archive(archive: Store) -> None:
    before = archive.counts()
    client = client_for(archive)
    for path in ["/", "/?q=dân+vận", "/bai/274411", "/xuat.csv", "/xuat.jsonl", "/bai/1"]:
        client.get(path)
    assert archive.counts() == before


# --- the article page --------------------------------------------------------------------


def test_the_article_page_shows_the_article_as_archived(archive: Store) -> None:
    response = client_for(archive).get("/bai/274411")
    assert response.status_code == 200
    html = response.text
    article = make_article("274411")
    for expected in [
        "<h1>Hương Sơn biểu dương 19 mô hình &#34;Dân vận khéo&#34; giai đoạn 2019 - 2024</h1>",
        '<time datetime="2024-10-15T10:12:00+07:00">15/10/2024 10:12</time>',
        '<span class="author">Thu Hà</span>',
        '<p class="lead">(Baohatinh.vn) - Đây là những mô hình “Dân vận khéo”',
        "<p>Toàn huyện đã xây dựng và nhân rộng được 839 mô hình.</p>",
        f'<a href="{article.url}" rel="noopener noreferrer" class="original">{article.url}</a>',
        "<figcaption>Đại biểu</figcaption>",
        "Lịch sử phiên bản", "Phiên bản 1", "Bản lưu đầu tiên.",
    ]:
        assert expected in html
    assert html.index("839 mô hình") < html.index("Ảnh trong bài") < html.index("Đọc thêm")


def test_images_link_the_original_when_the_archive_kept_no_copy(archive: Store) -> None:
    html = client_for(archive).get("/bai/274411").text
    assert '<a href="https://cdn.baohatinh.vn/images/ab/img-5104-5152.jpg"' in html
    assert "/anh/274411/" not in html
    assert client_for(archive).get("/anh/274411/0").status_code == 404


def test_images_are_served_from_the_archive_when_downloaded(
    archive: Store, tmp_path: Path
) -> None:
    copy = tmp_path / "img-5104-5152.jpg"
    copy.write_bytes(b"\xff\xd8\xff\xe0 a jpeg")
    kept = {"https://cdn.baohatinh.vn/images/ab/img-5104-5152.jpg": copy}
    client = client_for(archive, image_files=kept.get)
    html = client.get("/bai/274411").text
    assert '<img src="http://testserver/anh/274411/0" alt="Đại biểu"' in html
    assert '<a href="https://cdn.baohatinh.vn/images/ab/77d4144024t6461l0.jpg"' in html
    image = client.get("/anh/274411/0")
    assert image.status_code == 200 and image.content == copy.read_bytes()
    assert image.headers["content-type"] == "image/jpeg"
    assert client.get("/anh/274411/1").status_code == 404


def test_the_archives_own_image_files_are_found_and_served(
    archive: Store, tmp_path: Path
) -> None:
    url = "https://cdn.baohatinh.vn/images/ab/img-5104-5152.jpg"
    (tmp_path / "ab").mkdir()
    (tmp_path / "ab" / "kept.jpg").write_bytes(b"\xff\xd8\xff\xe0 kept")
    (pending,) = [image for image in pending_images(archive, "274411") if image.url == url]
    kept = ImageFile(url=url, sha256="0" * 64, local_path="ab/kept.jpg", size=10,
                     content_type="image/jpeg", width=None, height=None,
                     downloaded_at=FETCHED_AT)
    archive.record_image(pending.image_id, kept)
    client = client_for(archive, image_files=archived_image_files(archive, tmp_path))
    assert '<img src="http://testserver/anh/274411/0"' in client.get("/bai/274411").text
    assert client.get("/anh/274411/0").content == b"\xff\xd8\xff\xe0 kept"
    assert client.get("/anh/274411/1").status_code == 404  # never downloaded
    (tmp_path / "ab" / "kept.jpg").unlink()  # a file gone from the folder: link the original
    assert client.get("/anh/274411/0").status_code == 404


def test_doc_them_opens_the_archived_copy_when_there_is_one(store: Store) -> None:
    linked = make_article("200", title="Lan tỏa phong trào", related=())
    save(store, make_article("274411"), linked)
    html = client_for(store).get("/bai/274411").text
    doc_them = html[html.index('aria-label="Đọc thêm"'):]
    assert '<a href="http://testserver/bai/200" class="archived">' in doc_them
    assert "bản lưu" in doc_them
    inline = html[html.index('aria-label="Bài liên quan"'):html.index('aria-label="Đọc thêm"')]
    assert '<a href="https://baohatinh.vn/khac-post201.html" rel="noopener noreferrer" ' \
           'class="original">Bài liên quan</a>' in inline
    assert "chưa lưu" in inline


def test_the_revision_history_shows_what_changed(store: Store) -> None:
    first = make_article("274411")
    changed = make_article(
        "274411",
        title="Hương Sơn biểu dương 20 mô hình",
        tags=(*first.tags, "Công tác dân vận"),
        body_paragraphs=(first.body_paragraphs[0], "Toàn huyện đã nhân rộng 900 mô hình."),
    )
    save(store, first)
    save(store, changed, fetched_at=FETCHED_AT + timedelta(days=1))
    html = client_for(store).get("/bai/274411").text
    assert html.index("Phiên bản 2") < html.index("Phiên bản 1")  # newest first
    assert ("<del>Hương Sơn biểu dương <strong>19</strong> mô hình<strong> &#34;Dân vận "
            "khéo&#34; giai đoạn 2019 - 2024</strong></del>") in html
    assert "<ins>Hương Sơn biểu dương <strong>20</strong> mô hình</ins>" in html
    assert ("<del>Toàn huyện đã <strong>xây dựng và </strong>nhân rộng "
            "<strong>được 839</strong> mô hình.</del>") in html
    assert "<ins>Toàn huyện đã nhân rộng <strong>900</strong> mô hình.</ins>" in html
    assert "<h4>Từ khóa</h4>" in html
    assert '<span class="same">Hương Sơn</span>' in html
    assert "<ins><strong>Công tác dân vận</strong></ins>" in html  # a tag added, not edited
    assert "<h4>Tiêu đề</h4>" in html and "<h4>Nội dung</h4>" in html
    assert "<h4>Tác giả</h4>" not in html  # unchanged fields are not listed


def test_an_unknown_article_is_a_404_page_in_vietnamese(archive: Store) -> None:
    response = client_for(archive).get("/bai/999999")
    assert response.status_code == 404
    assert "Không có bài 999999 trong kho lưu trữ." in response.text
    missing = client_for(archive).get("/khong-co")
    assert missing.status_code == 404 and "Không tìm thấy trang này." in missing.text


# --- exports -----------------------------------------------------------------------------


def test_export_jsonl_is_the_current_result_set_with_the_fixed_keys(archive: Store) -> None:
    response = client_for(archive).get("/xuat.jsonl", params={"q": "dân vận", "sap_xep": "oldest"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    rows = [json.loads(line) for line in response.text.splitlines()]
    assert [row["article_id"] for row in rows] == ["274411", "274500"]
    assert all(list(row)[: len(EXPORT_KEYS)] == list(EXPORT_KEYS) for row in rows)
    assert rows[0]["tags"] == ["Dân vận khéo", "Hương Sơn"]


def test_export_csv_covers_every_page_not_just_the_one_shown(many: Store) -> None:
    client = client_for(many, page_size=10)
    response = client.get("/xuat.csv", params={"q": "dân vận", "trang": "2"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbfurl,")  # UTF-8's mark, for Excel
    rows = list(csv.DictReader(io.StringIO(response.text.removeprefix("\ufeff"))))
    assert len(rows) == 25
    assert list(rows[0]) == [*EXPORT_KEYS, *CITATION_KEYS]
    assert json.loads(rows[0]["tags"]) == ["Dân vận khéo", "Hương Sơn"]


def test_export_of_filters_only_and_of_nothing(archive: Store) -> None:
    client = client_for(archive)
    only = client.get("/xuat.jsonl", params={"chuyen_muc": "Chính trị"}).text.splitlines()
    assert [json.loads(line)["article_id"] for line in only] == ["274600"]
    empty = client.get("/xuat.csv", params={"tu_khoa": "không có"}).text
    assert empty.splitlines() == ["\ufeff" + ",".join((*EXPORT_KEYS, *CITATION_KEYS))]


def test_the_search_page_links_its_exports_with_the_same_query(archive: Store) -> None:
    html = client_for(archive).get("/", params={"q": "dân vận", "trang": "1"}).text
    assert 'href="http://testserver/xuat.csv?q=d%C3%A2n+v%E1%BA%ADn" download' in html
    assert 'href="http://testserver/xuat.jsonl?q=d%C3%A2n+v%E1%BA%ADn" download' in html


def test_export_refuses_a_bad_query_or_format(archive: Store) -> None:
    client = client_for(archive)
    assert client.get("/xuat.csv", params={"q": '"'}).status_code == 400
    response = client.get("/xuat.xml")
    assert response.status_code == 404 and "chỉ csv, jsonl" in response.text
