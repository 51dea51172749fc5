"""parse_article on small pages, one trap of the site's CMS family per test."""

from __future__ import annotations

import contextlib
import unicodedata
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scraper.parse as parse_module
from scraper.errors import NotAnArticle, ParseError
from scraper.parse import PARSER_VERSION, parse_article
from scraper.profile import DEFAULT_PROFILE
from scraper.records import Article

URL = "https://baohatinh.vn/hoi-nghi-dan-van-kheo-post100.html"
PLUS7 = timezone(timedelta(hours=7))
TITLE = '<h1 class="article__title cms-title">Hội nghị Dân vận khéo</h1>'
PARAGRAPHS = "<p>Đoạn thứ nhất của bài.</p><p>Đoạn thứ hai của bài.</p>"


def page(
    body: str = PARAGRAPHS,
    *,
    head: str = "",
    title: str = TITLE,
    header: str = "",
    before: str = "",
    after: str = "",
) -> str:
    """A minimal CMS article page: ``header`` sits between title and body, ``before`` and
    ``after`` outside the article."""
    return f"""<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">{head}</head>
<body>{before}<main><article class="article">{title}{header}
<div class="article__body zce-content-body cms-body">{body}</div>
</article>{after}</main></body></html>"""


def parse(html: str | bytes, url: str = URL) -> Article:
    return parse_article(html, url)


# --- title and text ---------------------------------------------------------------------


def test_nfd_title_is_normalised_to_nfc() -> None:
    nfd = unicodedata.normalize("NFD", "Xây dựng Đảng vững mạnh")
    article = parse(page(title=f'<h1 class="article__title">{nfd}</h1>'))
    assert article.title == "Xây dựng Đảng vững mạnh"
    assert unicodedata.is_normalized("NFC", article.title)
    assert article.sources["title"] == "cms"


def test_title_falls_back_to_og_then_title_tag_without_site_name() -> None:
    og = '<meta property="og:title" content="Tiêu đề OG">'
    article = parse(page(title="", head=og))
    assert (article.title, article.sources["title"]) == ("Tiêu đề OG", "og")
    tag = (
        "<title>Tiêu đề thẻ | Báo Hà Tĩnh</title>"
        '<meta property="og:site_name" content="Báo Hà Tĩnh">'
    )
    article = parse(page(title="", head=tag))
    assert (article.title, article.sources["title"]) == ("Tiêu đề thẻ", "title-tag")


def test_lead_keeps_its_prefix_as_printed() -> None:
    lead = '<h2 class="article__sapo">(Baohatinh.vn) - Mở đầu&nbsp;bài viết.</h2>'
    description = '<meta name="description" content="Mở đầu bài viết.">'
    article = parse(page(header=lead, head=description))
    assert article.lead == "(Baohatinh.vn) - Mở đầu bài viết."
    assert article.sources["lead"] == "cms"


def test_lead_falls_back_to_meta_description() -> None:
    article = parse(page(head='<meta name="description" content="Mô tả &amp; tóm tắt.">'))
    assert (article.lead, article.sources["lead"]) == ("Mô tả & tóm tắt.", "meta")


# --- times ------------------------------------------------------------------------------


def test_published_meta_with_offset_without_colon() -> None:
    meta = '<meta property="article:published_time" content="2024-10-15T10:12:00+0700">'
    article = parse(page(head=meta))
    assert article.published_at == datetime(2024, 10, 15, 10, 12, tzinfo=PLUS7)
    assert article.published_raw == "2024-10-15T10:12:00+0700"
    assert article.sources["published"] == "meta"


def test_published_from_epoch_in_time_data_time() -> None:
    header = '<div class="article__meta"><time data-time="1728961920">10:12</time></div>'
    article = parse(page(header=header))
    assert article.published_at == datetime(2024, 10, 15, 10, 12, tzinfo=PLUS7)
    assert article.published_raw == "1728961920"
    assert article.sources["published"] == "cms"


def test_published_from_visible_text_only() -> None:
    header = '<div class="article__meta"><span class="time">Thứ Ba, 15/10/2024 - 10:12</span></div>'
    article = parse(page(header=header))
    assert article.published_at == datetime(2024, 10, 15, 10, 12, tzinfo=PLUS7)
    assert article.published_raw == "Thứ Ba, 15/10/2024 - 10:12"
    assert article.sources["published"] == "text"


def test_sidebar_times_do_not_answer_for_the_article() -> None:
    sidebar = '<aside><article class="story"><time data-time="1600000000"></time></article></aside>'
    header = '<div class="article__meta">10:12 15/10/2024</div>'
    article = parse(page(header=header, before=sidebar))
    assert article.published_at == datetime(2024, 10, 15, 10, 12, tzinfo=PLUS7)


def test_unreadable_meta_time_is_a_warning_and_the_cascade_goes_on() -> None:
    meta = '<meta property="article:published_time" content="hôm qua">'
    header = '<div class="article__meta"><time datetime="2024-10-15T10:12:00+07:00"></time></div>'
    article = parse(page(head=meta, header=header))
    assert article.sources["published"] == "cms"
    assert any("hôm qua" in warning for warning in article.warnings)


def test_the_cms_empty_date_is_no_time_and_the_cascade_goes_on() -> None:
    # 0001-01-01T00:00+07:00 cannot even be told in UTC: taken as a time, it broke the
    # archive's content hash (OverflowError) when the record was stored.
    meta = (
        '<meta property="article:published_time" content="0001-01-01T00:00:00+07:00">'
        '<meta property="article:modified_time" content="0001-01-01T00:00:00">'
    )
    header = '<div class="article__meta"><time datetime="2024-10-15T10:12:00+07:00"></time></div>'
    article = parse(page(head=meta, header=header))
    assert article.published_at == datetime(2024, 10, 15, 10, 12, tzinfo=PLUS7)
    assert article.updated_at is None
    assert sum("0001-01-01" in warning for warning in article.warnings) == 2


def test_updated_time_from_meta() -> None:
    meta = '<meta property="article:modified_time" content="2024-10-15T16:40:00+0700">'
    article = parse(page(head=meta))
    assert article.updated_at == datetime(2024, 10, 15, 16, 40, tzinfo=PLUS7)
    assert article.updated_raw == "2024-10-15T16:40:00+0700"


def test_jsonld_fills_what_the_page_lacks() -> None:
    jsonld = """<script type="application/ld+json">{"@context": "https://schema.org",
      "@graph": [{"@type": "NewsArticle", "headline": "Tiêu đề JSON-LD",
      "datePublished": "2024-10-15T10:12:00+07:00", "author": [{"@type": "Person",
      "name": "Thu Hà"}, {"@type": "Organization", "name": "Báo Hà Tĩnh"}]},
      {"@type": "BreadcrumbList", "itemListElement": [
        {"@type": "ListItem", "position": 2, "name": "Xây dựng Đảng",
         "item": "https://baohatinh.vn/xay-dung-dang/"},
        {"@type": "ListItem", "position": 1, "name": "Chính trị",
         "item": "https://baohatinh.vn/chinh-tri/"}]}]}</script>"""
    article = parse(page(title="", head=jsonld))
    assert article.title == "Tiêu đề JSON-LD"
    assert article.published_at == datetime(2024, 10, 15, 10, 12, tzinfo=PLUS7)
    assert article.author == "Thu Hà"
    assert (article.section, article.section_slug) == ("Xây dựng Đảng", "xay-dung-dang")
    assert {article.sources[k] for k in ("title", "published", "author", "section")} == {"jsonld"}


def test_broken_jsonld_is_a_warning_not_a_crash() -> None:
    article = parse(page(head='<script type="application/ld+json">{"@type": </script>'))
    assert article.title == "Hội nghị Dân vận khéo"
    assert any("JSON-LD" in warning for warning in article.warnings)


# --- body -------------------------------------------------------------------------------


def test_body_blocks_in_reading_order() -> None:
    body = """<p>Mở đầu.</p><h2>Tiêu đề phụ</h2><blockquote><p>Trích dẫn một.</p></blockquote>
    <ul><li>Ý thứ nhất</li><li>Ý thứ hai</li></ul>
    <div class="notebox"><p>Hộp ghi chú.</p></div><div>Chữ rời trong div</div><h4>Cuối</h4>"""
    assert parse(page(body)).body_paragraphs == (
        "Mở đầu.",
        "Tiêu đề phụ",
        "Trích dẫn một.",
        "Ý thứ nhất",
        "Ý thứ hai",
        "Hộp ghi chú.",
        "Chữ rời trong div",
        "Cuối",
    )


def test_comments_never_reach_text_or_html() -> None:
    body = """<p>Trước<!-- ghi chú biên tập --> sau.</p>
    <!-- <p>Bản nháp bị ẩn.</p> --><p>Đoạn cuối.</p>"""
    article = parse(page(body))
    assert article.body_paragraphs == ("Trước sau.", "Đoạn cuối.")
    assert "<!--" not in article.body_html and "Bản nháp" not in article.body_html


def test_inline_markup_does_not_split_words_and_br_does() -> None:
    body = "<p>Xây dựng Đ<em>ảng</em> vững<br>mạnh</p>"
    assert parse(page(body)).body_paragraphs == ("Xây dựng Đảng vững mạnh",)


@pytest.mark.parametrize(
    "body",
    [
        "Chiều 14/1, hội nghị họp.<br><br>Năm 2018, kết nạp 412 đảng viên.<br />\n<br />"
        "Hội nghị đề ra <b>5 nhóm</b> giải pháp.",
        "<p>Chiều 14/1, hội nghị họp.<br><br><br>Năm 2018, kết nạp 412 đảng viên.<br> <br>"
        "Hội nghị đề ra <b>5 nhóm</b> giải pháp.<br><br></p>",
    ],
    ids=["loose-text", "in-one-p"],
)
def test_a_blank_line_of_two_br_separates_paragraphs(body: str) -> None:
    assert parse(page(body)).body_paragraphs == (
        "Chiều 14/1, hội nghị họp.",
        "Năm 2018, kết nạp 412 đảng viên.",
        "Hội nghị đề ra 5 nhóm giải pháp.",
    )


def test_noise_is_left_out_of_text_and_html() -> None:
    body = """<p>Nội dung.</p>
    <div id="adsWeb_AdsArticleMiddle"><a href="https://ads.example">Quảng cáo vay</a></div>
    <div class="ads_middle">Quảng cáo giữa bài</div>
    <script>var x = "mã script";</script><style>p{}</style>
    <div class="article__share social-share"><a href="#">Chia sẻ Facebook</a></div>
    <p>Kết thúc.</p>"""
    article = parse(page(body))
    assert article.body_paragraphs == ("Nội dung.", "Kết thúc.")
    for noise in ("Quảng cáo", "mã script", "Chia sẻ", "<script", "adsWeb_"):
        assert noise not in article.body_html


def test_cms_relate_box_gives_a_link_not_text() -> None:
    body = """<p>Nội dung.</p><article class="cms-relate"><div>Tin liên quan</div>
    <h4><a class="cms-link" href="/bai-lien-quan-post99.html">Bài liên quan</a></h4>
    <p class="cms-relate__sapo">Tóm tắt bài liên quan.</p></article><p>Kết thúc.</p>"""
    article = parse(page(body))
    assert article.body_paragraphs == ("Nội dung.", "Kết thúc.")
    assert [(r.url, r.title, r.summary, r.kind) for r in article.related] == [
        (
            "https://baohatinh.vn/bai-lien-quan-post99.html",
            "Bài liên quan",
            "Tóm tắt bài liên quan.",
            "inline",
        )
    ]


# --- images -----------------------------------------------------------------------------

GIF = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"


def test_lazy_images_use_the_real_url_made_absolute() -> None:
    body = f"""<p>Chữ.</p>
    <figure><img class="cms-photo" src="{GIF}" data-src="//cdn.baohatinh.vn/images/ab/1.jpg"
      alt="Ảnh một"><figcaption>Chú thích một</figcaption></figure>
    <p><img src="{GIF}" data-original="/images/2.jpg"></p>
    <p><img src="3.jpg"></p><img src="{GIF}">"""
    article = parse(page(body))
    assert [(i.url, i.caption, i.alt, i.position) for i in article.images] == [
        ("https://cdn.baohatinh.vn/images/ab/1.jpg", "Chú thích một", "Ảnh một", 0),
        ("https://baohatinh.vn/images/2.jpg", None, None, 1),
        ("https://baohatinh.vn/3.jpg", None, None, 2),
    ]
    assert article.body_paragraphs == ("Chữ.",)  # the caption is not body text
    assert 'src="https://cdn.baohatinh.vn/images/ab/1.jpg"' in article.body_html


@pytest.mark.parametrize(
    ("img", "url"),
    [
        (
            f'<img src="{GIF}" data-srcset="//cdn.baohatinh.vn/images/a/x.jpg 1x,'
            ' //cdn.baohatinh.vn/images/a/x@2x.jpg 2x">',
            "https://cdn.baohatinh.vn/images/a/x@2x.jpg",
        ),
        (
            '<img srcset="/images/a/s.jpg 300w, /images/a/m.jpg 900w, /images/a/l.jpg 600w">',
            "https://baohatinh.vn/images/a/m.jpg",
        ),
        (
            '<img srcset="/images/a/r.jpg?crop=1,2">',
            "https://baohatinh.vn/images/a/r.jpg?crop=1,2",
        ),
    ],
    ids=["data-srcset-density", "srcset-widths", "comma-in-url"],
)
def test_an_image_known_only_by_its_srcset_takes_its_largest_candidate(img: str, url: str) -> None:
    article = parse(page(f"<p>Chữ.</p><figure>{img}<figcaption>Chú thích</figcaption></figure>"))
    assert [(i.url, i.caption) for i in article.images] == [(url, "Chú thích")]


def test_table_picture_caption() -> None:
    body = f"""<p>Chữ.</p><table class="picture"><tbody>
    <tr><td class="pic"><img src="{GIF}" data-src="https://cdn.baohatinh.vn/images/x/a.jpg"></td></tr>
    <tr><td class="caption">Bí thư&nbsp;phát biểu</td></tr></tbody></table><p>Tiếp.</p>"""
    article = parse(page(body))
    assert [(i.url, i.caption) for i in article.images] == [
        ("https://cdn.baohatinh.vn/images/x/a.jpg", "Bí thư phát biểu")
    ]
    assert article.body_paragraphs == ("Chữ.", "Tiếp.")


def test_og_image_only_when_the_body_has_none() -> None:
    og = '<meta property="og:image" content="https://cdn.baohatinh.vn/images/og.jpg">'
    article = parse(page(head=og))
    assert [i.url for i in article.images] == ["https://cdn.baohatinh.vn/images/og.jpg"]
    assert article.sources["images"] == "og"


# --- "Đọc thêm" -------------------------------------------------------------------------


def story(post_id: int, title: str, summary: str, *, heading_text: bool = True) -> str:
    href = f"/bai-{post_id}-post{post_id}.html"
    thumb = f"https://cdn.baohatinh.vn/t/{post_id}.jpg"
    return f"""<article class="story">
    <figure class="story__thumb"><a class="cms-link" href="{href}" title="{title}">
      <img src="{GIF}" data-src="{thumb}" alt="{title}"></a></figure>
    <h3 class="story__heading">
      <a class="cms-link" href="{href}">{title if heading_text else ""}</a></h3>
    <div class="story__summary">{summary}</div></article>"""


def test_doc_them_found_by_heading_words_and_sidebars_ignored() -> None:
    after = f"""<section><div class="box-heading"><h3>Tin mới</h3></div>
    <div class="box-content content-list">{story(1, "Tin mới một", "x")}</div></section>
    <section><div class="box-heading"><h3><span>ĐỌC THÊM</span></h3></div>
    <div class="box-content content-list">{story(2, "Bài hai", "Tóm tắt hai.")}
    {story(3, "Bài ba", "Tóm tắt ba.", heading_text=False)}
    {story(2, "Bài hai", "lặp")}</div></section>
    <aside><div class="box-heading">Đọc nhiều</div>
    <div class="box-content content-list">{story(4, "Đọc nhiều bốn", "y")}</div></aside>"""
    article = parse(page(after=after))
    assert [(r.url, r.title, r.summary, r.kind) for r in article.related] == [
        ("https://baohatinh.vn/bai-2-post2.html", "Bài hai", "Tóm tắt hai.", "doc-them"),
        ("https://baohatinh.vn/bai-3-post3.html", "Bài ba", "Tóm tắt ba.", "doc-them"),
    ]
    assert not any("Bài hai" in p or "Tóm tắt" in p for p in article.body_paragraphs)


def test_doc_them_inside_the_body_is_not_body_text() -> None:
    body = f"""{PARAGRAPHS}<div class="box-heading">Đọc thêm</div>
    <div class="box-content content-list">{story(5, "Bài năm", "Tóm tắt năm.")}</div>"""
    article = parse(page(body))
    assert article.body_paragraphs == ("Đoạn thứ nhất của bài.", "Đoạn thứ hai của bài.")
    assert [r.title for r in article.related] == ["Bài năm"]


# --- url, section, tags, author, template -----------------------------------------------


def test_url_prefers_og_url_of_the_same_site() -> None:
    canonical = "https://baohatinh.vn/hoi-nghi-dan-van-kheo-post100.html"
    og = f'<meta property="og:url" content="{canonical}">'
    article = parse(page(head=og), url=canonical + "?utm_source=zalo&zarsrc=1#top")
    assert (article.url, article.article_id, article.sources["url"]) == (canonical, "100", "og")


def test_url_ignores_canonical_of_another_site_or_not_an_article() -> None:
    head = (
        '<meta property="og:url" content="https://mirror.example/x-post100.html">'
        '<link rel="canonical" href="https://baohatinh.vn/xay-dung-dang/">'
    )
    article = parse(page(head=head), url=URL + "?utm_medium=social")
    assert (article.url, article.sources["url"]) == (URL, "given")


def test_og_url_naming_another_article_never_takes_the_fetched_article_id() -> None:
    og = '<meta property="og:url" content="https://baohatinh.vn/bai-khac-post999.html">'
    canonical = '<link rel="canonical" href="https://baohatinh.vn/bai-khac-post998.html">'
    article = parse(page(head=og + canonical))
    assert (article.url, article.article_id, article.sources["url"]) == (URL, "100", "given")
    assert "og URL id 999 differs from URL id 100 (ignored)" in article.warnings
    assert "canonical URL id 998 differs from URL id 100 (ignored)" in article.warnings


@pytest.mark.parametrize(
    "og_url",
    [
        "https://www.baohatinh.vn/hoi-nghi-dan-van-kheo-post100.html",
        "http://baohatinh.vn/hoi-nghi-dan-van-kheo-post100.html",
    ],
)
def test_og_url_of_the_same_article_keeps_the_fetched_scheme_and_host(og_url: str) -> None:
    article = parse(page(head=f'<meta property="og:url" content="{og_url}">'))
    assert (article.url, article.sources["url"]) == (URL, "og")


def test_og_url_gives_the_path_when_the_fetched_url_is_an_old_one() -> None:
    old = "https://baohatinh.vn/xay-dung-dang/hoi-nghi-dan-van-kheo/100.htm"
    og = '<meta property="og:url" content="http://www.baohatinh.vn/hoi-nghi-dan-van-kheo-post100.html">'
    article = parse(page(head=og), url=old)
    assert (article.url, article.article_id) == (URL, "100")


def test_section_and_slug_from_the_breadcrumb() -> None:
    crumbs = """<div class="breadcrumb"><a href="/">Trang chủ</a>
    <a href="/chinh-tri/">Chính trị</a>
    <a href="/chinh-tri/xay-dung-dang/">Xây dựng Đảng</a></div>"""
    article = parse(page(before=crumbs))
    assert (article.section, article.section_slug) == ("Xây dựng Đảng", "xay-dung-dang")
    assert article.sources["section"] == "cms"


def test_section_name_from_meta_and_slug_from_the_matching_crumb() -> None:
    meta = '<meta property="article:section" content="Xây dựng Đảng">'
    crumbs = """<div class="breadcrumb"><a href="/chinh-tri/">Chính trị</a>
    <a href="/xay-dung-dang/">Xây dựng Đảng</a></div>"""
    article = parse(page(head=meta, before=crumbs))
    assert (article.section, article.section_slug) == ("Xây dựng Đảng", "xay-dung-dang")
    assert (article.sources["section"], article.sources["section_slug"]) == ("meta", "cms")


def test_a_deeper_breadcrumb_beats_a_meta_section_naming_its_parent() -> None:
    meta = '<meta property="article:section" content="Chính trị">'
    crumbs = """<div class="breadcrumb"><a href="/chinh-tri/">Chính trị</a>
    <a href="/chinh-tri/xay-dung-dang/">Xây dựng Đảng</a></div>"""
    article = parse(page(head=meta, before=crumbs))
    assert (article.section, article.section_slug) == ("Xây dựng Đảng", "xay-dung-dang")
    assert (article.sources["section"], article.sources["section_slug"]) == ("cms", "cms")


def test_a_meta_section_outside_the_breadcrumb_still_wins() -> None:
    meta = '<meta property="article:section" content="Thời sự">'
    crumbs = """<div class="breadcrumb"><a href="/chinh-tri/">Chính trị</a>
    <a href="/chinh-tri/xay-dung-dang/">Xây dựng Đảng</a></div>"""
    article = parse(page(head=meta, before=crumbs))
    assert (article.section, article.sources["section"]) == ("Thời sự", "meta")


def test_a_jsonld_crumb_naming_the_article_itself_is_not_its_section() -> None:
    crumbs = [("Xây dựng Đảng", "https://baohatinh.vn/xay-dung-dang/"), ("Bài này", URL)]
    items = ",".join(
        f'{{"@type": "ListItem", "position": {n}, "name": "{name}", "item": "{url}"}}'
        for n, (name, url) in enumerate(crumbs, start=1)
    )
    ld = f'{{"@type": "BreadcrumbList", "itemListElement": [{items}]}}'
    article = parse(page(head=f'<script type="application/ld+json">{ld}</script>'))
    assert (article.section, article.section_slug) == ("Xây dựng Đảng", "xay-dung-dang")
    assert article.sources["section"] == "jsonld"


@pytest.mark.parametrize(
    "last_crumb",
    [
        f'<a href="{URL}">Bài có tên khác</a>',
        '<a href="/hoi-nghi-post100.html">Bài có tên khác</a>',
        '<a href="/bai-nao-do/">Hội nghị Dân vận khéo</a>',
        "<a>Hội nghị Dân vận khéo</a>",
    ],
)
def test_a_breadcrumb_ending_with_the_article_itself_gives_the_crumb_before(
    last_crumb: str,
) -> None:
    crumbs = f"""<div class="breadcrumb"><a href="/">Trang chủ</a>
    <a href="/xay-dung-dang/">Xây dựng Đảng</a>{last_crumb}</div>"""
    article = parse(page(before=crumbs))
    assert (article.section, article.section_slug) == ("Xây dựng Đảng", "xay-dung-dang")


def test_tags_from_the_tag_box_each_once() -> None:
    tags = """<div class="article__tag"><span>Từ khóa:</span>
    <a href="/dan-van-tag1.html">Dân vận</a><a href="/huong-son-tag2.html">#Hương Sơn</a>
    <a href="/dan-van-tag1.html">Dân vận</a></div>"""
    article = parse(page(body=PARAGRAPHS + "</div>" + tags + "<div>"))
    assert article.tags == ("Dân vận", "Hương Sơn")


def test_author_from_the_byline() -> None:
    header = '<div class="article__meta"><span class="article__author">Thu Hà</span></div>'
    article = parse(page(header=header))
    assert (article.author, article.sources["author"]) == ("Thu Hà", "cms")
    assert "no author" not in article.warnings


def test_author_from_a_short_bold_last_paragraph() -> None:
    body = PARAGRAPHS + "<p><strong>Minh Phúc</strong></p>"
    article = parse(page(body))
    assert (article.author, article.sources["author"]) == ("Minh Phúc", "byline")
    assert article.body_paragraphs[-1] == "Minh Phúc"  # printed in the body, kept there


@pytest.mark.parametrize(
    "head",
    [
        '<meta name="author" content="Báo Hà Tĩnh">',
        '<meta name="author" content="baohatinh.vn">',
        '<script type="application/ld+json">{"@type": "NewsArticle", "author": "Báo Hà Tĩnh"}'
        "</script>",
        '<meta property="og:site_name" content="Hà Tĩnh Online">'
        '<meta name="author" content="Hà Tĩnh Online">',
    ],
    ids=["meta-name", "meta-host", "jsonld-string", "og-site-name"],
)
def test_the_newspaper_named_as_author_gives_way_to_the_byline(head: str) -> None:
    body = PARAGRAPHS + "<p><strong>Thu Hà</strong></p>"
    article = parse(page(body, head=head))
    assert (article.author, article.sources["author"]) == ("Thu Hà", "byline")


def test_the_newspaper_named_as_author_is_no_author() -> None:
    article = parse(page(head='<meta name="author" content="Báo Hà Tĩnh">'))
    assert article.author is None and "no author" in article.warnings


def test_a_bold_sentence_is_not_an_author() -> None:
    sentence = "Hội nghị đã thành công tốt đẹp, các đại biểu ra về phấn khởi."
    body = f"{PARAGRAPHS}<p><b>{sentence}</b></p>"
    assert parse(page(body)).author is None


@pytest.mark.parametrize(
    "last",
    [
        "<p><strong>- Xin trân trọng cảm ơn ông!</strong></p>",
        "<p><strong>Xin trân trọng cảm ơn ông</strong></p>",
        "<p><strong>(Còn nữa)</strong></p>",
        "<p><strong>Còn nữa</strong></p>",
        "<p><b>Kỳ 2: Những mô hình hay</b></p>",
        "<p><b>Kỳ 3 - Những mô hình hay</b></p>",
        "<p><b>Vì sao người dân đồng thuận?</b></p>",
        "<p><b>Hội nghị đã thành công tốt đẹp</b></p>",
    ],
)
def test_a_bold_closing_line_that_is_no_name_is_not_an_author(last: str) -> None:
    assert parse(page(PARAGRAPHS + last)).author is None


def test_a_bold_image_caption_at_the_end_is_not_an_author() -> None:
    picture = """<table class="picture"><tr><td><img src="https://cdn.baohatinh.vn/images/a/x.jpg">
    </td></tr><tr><td class="caption"><p><strong>Ảnh minh họa</strong></p></td></tr></table>"""
    assert parse(page(PARAGRAPHS + picture)).author is None
    byline = "<p><strong>Thu Hà</strong></p>"
    article = parse(page(PARAGRAPHS + byline + picture))
    assert (article.author, article.sources["author"]) == ("Thu Hà", "byline")


@pytest.mark.parametrize(
    ("last", "author"),
    [
        ("<p><strong>Kỳ Duyên</strong></p>", "Kỳ Duyên"),
        ("<p><strong>Bài và ảnh: Nguyễn Thị Thu Hà</strong></p>", "Nguyễn Thị Thu Hà"),
        ("<p><strong>Thu Hà - Minh Phúc</strong></p>", "Thu Hà - Minh Phúc"),
    ],
)
def test_a_bold_name_at_the_end_is_the_author(last: str, author: str) -> None:
    assert parse(page(PARAGRAPHS + last)).author == author


def test_missing_fields_are_warnings() -> None:
    article = parse(page())
    assert article.author is None and article.published_at is None
    for warning in ("no lead", "no published time", "no author", "no section", "no tags"):
        assert warning in article.warnings


def test_template_variants() -> None:
    assert parse(page()).template == "cms"
    tv = "https://baohatinh.vn/tv/ban-tin-thoi-su-12345.html"
    article = parse(page(), url=tv)
    assert (article.template, article.article_id) == ("tv", "12345")
    emagazine = page().replace("<main>", '<main class="e-magazine">')
    assert parse(emagazine).template == "emagazine"


def test_record_carries_the_parser_version() -> None:
    assert parse(page()).parser_version == PARSER_VERSION == "4"


def test_profile_overrides_change_where_fields_are_read() -> None:
    profile = DEFAULT_PROFILE.with_overrides(selectors={"title": ("h2.tieu-de",)})
    html = page(title='<h2 class="tieu-de">Tiêu đề kiểu khác</h2>')
    assert parse_article(html, URL, profile).title == "Tiêu đề kiểu khác"


# --- input forms --------------------------------------------------------------------------


def test_bytes_and_text_give_the_same_record() -> None:
    html = page()
    assert parse(html.encode("utf-8")) == parse(html)
    assert parse(b"\xef\xbb\xbf" + html.encode("utf-8")).title == "Hội nghị Dân vận khéo"


_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def _windows_1258(text: str) -> bytes:
    """Encode as Vietnamese Windows pages did: the letter (â, ơ, ư …) precomposed, its tone
    mark as a combining character after it."""
    letters: list[str] = []
    for char in unicodedata.normalize("NFD", text):
        if unicodedata.combining(char) and char not in _TONE_MARKS:
            base = max(i for i, c in enumerate(letters) if not unicodedata.combining(c))
            letters[base] = unicodedata.normalize("NFC", letters[base] + char)
        else:
            letters.append(char)
    return "".join(letters).encode("windows-1258")


def test_bytes_in_a_declared_legacy_charset() -> None:
    html = page().replace('<meta charset="utf-8">', '<meta charset="windows-1258">')
    encoded = _windows_1258(html)
    with pytest.raises(UnicodeDecodeError):
        encoded.decode("utf-8")
    article = parse(encoded)
    # windows-1258 writes tone marks as combining characters: NFC composes them back.
    assert article.title == "Hội nghị Dân vận khéo"
    assert article.body_paragraphs == ("Đoạn thứ nhất của bài.", "Đoạn thứ hai của bài.")


def test_xml_declaration_in_text_input_is_accepted() -> None:
    html = '<?xml version="1.0" encoding="utf-8"?>' + page()
    assert parse(html).title == "Hội nghị Dân vận khéo"


def test_body_found_by_heuristic_when_no_container_matches() -> None:
    text = "Một đoạn văn đủ dài để làm thân bài khi trang không có khung quen thuộc. " * 3
    html = f"""<html><body><h1>Bản tin</h1><div class="noi-dung"><p>{text}</p><p>{text}</p></div>
    <footer><p>Bản quyền</p><p>Địa chỉ</p></footer></body></html>"""
    article = parse(html)
    assert len(article.body_paragraphs) == 2
    assert article.sources["body"] == "heuristic"
    assert "body found by heuristic" in article.warnings


# --- not articles and failures ------------------------------------------------------------


@pytest.mark.parametrize(
    ("player", "src"),
    [
        (
            '<figure class="video"><iframe src="https://www.youtube.com/embed/abc"></iframe></figure>',
            "https://www.youtube.com/embed/abc",
        ),
        (
            '<div class="video"><video src="https://cdn.baohatinh.vn/videos/x.mp4"></video></div>',
            "https://cdn.baohatinh.vn/videos/x.mp4",
        ),
    ],
    ids=["iframe", "video"],
)
def test_a_video_article_is_kept_with_its_player_and_a_warning(player: str, src: str) -> None:
    lead = '<div class="article__sapo">(Baohatinh.vn) - Video: Lễ hội cầu ngư.</div>'
    article = parse(page(player, header=lead))
    assert (article.title, article.body_paragraphs) == ("Hội nghị Dân vận khéo", ())
    assert "body: video only" in article.warnings
    assert src in article.body_html


def test_an_iframe_beside_text_stays_out_of_the_body_html() -> None:
    body = PARAGRAPHS + '<iframe src="https://www.facebook.com/plugins/like.php"></iframe>'
    article = parse(page(body))
    assert "iframe" not in article.body_html
    assert "body: video only" not in article.warnings


def test_a_page_without_a_body_is_not_an_article() -> None:
    html = f"<html><head><title>Hà Tĩnh</title></head><body>{TITLE}<p>Ngắn.</p></body></html>"
    with pytest.raises(NotAnArticle) as caught:
        parse(html)
    assert caught.value.reason == "no body" and caught.value.url == URL


def test_a_section_page_is_not_an_article() -> None:
    with pytest.raises(NotAnArticle, match="section page"):
        parse(page(), url="https://baohatinh.vn/xay-dung-dang/")


def test_a_page_without_a_title_is_not_an_article() -> None:
    with pytest.raises(NotAnArticle, match="no title"):
        parse(page(title=""))


@pytest.mark.parametrize("html", ["", "   ", b"", b"\x00\x00"])
def test_empty_input_is_not_an_article(html: str | bytes) -> None:
    with pytest.raises(NotAnArticle):
        parse(html)


def test_an_unexpected_failure_becomes_a_parse_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_root: object) -> dict[str, list[str]]:
        raise KeyError("boom")

    monkeypatch.setattr(parse_module, "read_meta", broken)
    with pytest.raises(ParseError) as caught:
        parse(page())
    assert not isinstance(caught.value, NotAnArticle)
    assert "KeyError" in str(caught.value) and URL in str(caught.value)


@pytest.mark.parametrize("cut", [10, 200, 400, 600, 800, 1000, 1200, 1400])
def test_truncated_pages_give_a_record_or_a_parse_error(cut: int) -> None:
    html = page(
        PARAGRAPHS * 3,
        head='<meta property="article:published_time" content="2024-10-15T10:12:00+0700">',
    )
    try:
        article = parse(html[:cut])
    except ParseError:
        return
    assert article.title


def test_deeply_nested_markup_gives_a_record_or_a_parse_error() -> None:
    html = page("<div>" * 5000 + "<p>Sâu.</p>" + "</div>" * 5000)
    with contextlib.suppress(ParseError):
        parse(html)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.binary(max_size=400),
        st.text(max_size=400),
        st.lists(
            st.sampled_from(
                [
                    "<p>",
                    "</p>",
                    "<div class='article__body cms-body'>",
                    "</div>",
                    TITLE,
                    "<!--",
                    "-->",
                    "<script>",
                    "<img data-src='x.jpg'>",
                    "<figure>",
                    "Chữ",
                    "<meta property='article:published_time' content='15/10/2024'>",
                    "&nbsp;",
                ]
            ),
            max_size=40,
        ).map("".join),
    )
)
def test_garbage_gives_only_records_or_parse_errors(html: str | bytes) -> None:
    try:
        article = parse(html)
    except ParseError:
        return
    assert isinstance(article, Article) and article.title


def test_an_article_whose_title_says_404_is_still_an_article() -> None:
    title = '<h1 class="article__title">Công bố 404 quyết định kết nạp đảng viên</h1>'
    head = "<title>404 quyết định | Báo Hà Tĩnh</title>"
    assert parse(page(title=title, head=head)).title.startswith("Công bố 404")


TV_URL = "https://baohatinh.vn/tv/ban-tin-41207.html"
TV_TEXT = "<p>" + "Bản tin về hỗ trợ người dân sau bão lũ trên địa bàn tỉnh. " * 3 + "</p>"


def tv_page(title: str) -> str:
    """A page without a CMS body container: its body is found by the heuristic."""
    return f"""<html><head><title>{title} - Truyền hình Hà Tĩnh</title></head><body>
    <div class="video-info"><h1>{title}</h1><div>{TV_TEXT}{TV_TEXT}</div></div></body></html>"""


@pytest.mark.parametrize(
    "title",
    ["Hà Tĩnh hỗ trợ 404 hộ dân bị thiệt hại do bão", "Khắc phục lỗi hệ thống cấp nước ở Kỳ Anh"],
)
def test_error_words_inside_a_long_title_do_not_make_an_error_page(title: str) -> None:
    article = parse(tv_page(title), url=TV_URL)
    assert (article.title, article.sources["body"]) == (title, "heuristic")


@pytest.mark.parametrize("title", ["Lỗi 404", "404 - Không tìm thấy trang", "Lỗi hệ thống"])
def test_a_title_that_is_an_error_message_makes_an_error_page(title: str) -> None:
    with pytest.raises(NotAnArticle, match="error page"):
        parse(tv_page(title), url=TV_URL)


def test_error_page_words_come_from_the_profile() -> None:
    html = (
        "<html><head><title>Bài viết đã gỡ</title></head>"
        "<body><h1>Bài viết đã gỡ</h1></body></html>"
    )
    with pytest.raises(NotAnArticle, match="no body"):
        parse(html)
    profile = DEFAULT_PROFILE.with_overrides(selectors={"error_page_words": ("đã gỡ",)})
    with pytest.raises(NotAnArticle, match="error page"):
        parse_article(html, URL, profile)
