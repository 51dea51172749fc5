"""Discovery reads a section's own stories and load-more answers, never its sidebars."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scraper.discover import (
    loadmore_url,
    parse_loadmore,
    parse_section_page,
    section_url,
)
from scraper.errors import ParseError
from scraper.profile import DEFAULT_PROFILE

BASE = "https://baohatinh.vn"


def story(path: str, title: str) -> str:
    return (
        f'<article class="story"><h3 class="story__heading">'
        f'<a class="cms-link" href="{path}" title="{title}">{title}</a></h3>'
        f'<div class="story__summary">Tóm tắt</div></article>'
    )


SECTION_PAGE = f"""<html><body>
<ul class="menu"><li data-id="31"><a href="/xay-dung-dang/">Xây dựng Đảng</a></li></ul>
<div class="abf-cate">{story("/mot-post101.html", "Một")}</div>
<div class="rank-2">{story("/hai-post102.html?utm_source=fb", "Hai")}</div>
<div class="box-content content-list" data-source="zone-timeline-31">
  {story("/ba-post103.html", "Ba")}{story("/mot-post101.html#top", "Một")}
  {story("/xay-dung-dang/", "not an article")}
</div>
<aside class="sidebar"><h3>Đọc nhiều</h3>{story("/bong-da-post900.html", "Bóng đá")}</aside>
<button class="control__loadmore" data-zone="31">Xem thêm</button>
</body></html>"""


def test_a_section_page_yields_lead_and_timeline_stories_once_each_in_order() -> None:
    page = parse_section_page(SECTION_PAGE, BASE + "/xay-dung-dang/", DEFAULT_PROFILE)
    assert [item.article_id for item in page.items] == ["101", "102", "103"]
    assert page.items[1].url == "https://baohatinh.vn/hai-post102.html"
    assert page.items[0].title == "Một"


def test_sidebar_stories_of_other_sections_are_not_the_listing() -> None:
    page = parse_section_page(SECTION_PAGE, BASE + "/xay-dung-dang/", DEFAULT_PROFILE)
    assert "900" not in {item.article_id for item in page.items}


def test_the_zone_id_comes_from_the_timeline_data_source() -> None:
    page = parse_section_page(SECTION_PAGE, BASE + "/xay-dung-dang/", DEFAULT_PROFILE)
    assert page.zone_id == "31"


def test_the_zone_id_falls_back_to_the_load_more_button() -> None:
    html = '<div class="rank-1"></div><button class="control__loadmore" data-zone="77">x</button>'
    assert parse_section_page(html, BASE + "/x/", DEFAULT_PROFILE).zone_id == "77"


def test_load_more_with_story_html() -> None:
    body = json.dumps(
        {
            "error_code": 0,
            "data": {"articles": story("/bon-post104.html", "Bốn"), "hasMoreContent": True},
        }
    )
    page = parse_loadmore(body, BASE + "/api/x", DEFAULT_PROFILE)
    assert [item.article_id for item in page.items] == ["104"]
    assert page.has_more is True


def test_load_more_with_a_list_of_contents() -> None:
    body = json.dumps(
        {
            "error_code": 0,
            "data": {
                "contents": [
                    {"url": "/nam-post105.html", "title": "Năm", "date": 1728962000},
                    {"url": "https://baohatinh.vn/sau-post106.html", "title": "Sáu"},
                    {"title": "no url"},
                ],
                "hasMoreContent": False,
            },
        }
    )
    page = parse_loadmore(body, BASE + "/api/x", DEFAULT_PROFILE)
    assert [item.article_id for item in page.items] == ["105", "106"]
    assert page.has_more is False


def test_an_empty_last_load_more_page_ends_the_listing() -> None:
    body = json.dumps({"error_code": 0, "data": {"articles": "", "hasMoreContent": False}})
    page = parse_loadmore(body, BASE + "/api/x", DEFAULT_PROFILE)
    assert page.items == ()
    assert page.has_more is False


@pytest.mark.parametrize(
    ("data", "has_more"),
    [
        ({"contents": [{"url": "/nam-post105.html", "title": "Năm"}]}, True),
        ({"articles": story("/bon-post104.html", "Bốn")}, True),
        ({"contents": []}, False),
        ({"articles": ""}, False),
    ],
    ids=["contents", "articles", "no-contents", "no-articles"],
)
def test_without_the_has_more_flag_a_load_more_page_with_items_asks_for_the_next(
    data: dict[str, object], has_more: bool
) -> None:
    body = json.dumps({"error_code": 0, "data": data})
    assert parse_loadmore(body, BASE + "/api/x", DEFAULT_PROFILE).has_more is has_more


@pytest.mark.parametrize("body", ["<html>blocked</html>", '{"error_code": 1}', "[]", ""])
def test_a_load_more_answer_that_is_not_the_json_names_the_url(body: str) -> None:
    with pytest.raises(ParseError, match="https://baohatinh.vn/api/morenews"):
        parse_loadmore(body, BASE + "/api/morenews-zone-31-2.html", DEFAULT_PROFILE)


def test_listing_urls_come_from_the_profile_patterns() -> None:
    assert section_url(BASE, "xay-dung-dang", DEFAULT_PROFILE) == BASE + "/xay-dung-dang/"
    assert loadmore_url(BASE, "31", 2, DEFAULT_PROFILE) == BASE + "/api/morenews-zone-31-2.html"


def test_a_plain_next_page_link_is_read_from_the_section_page() -> None:
    html = SECTION_PAGE.replace(
        "</body>", '<div class="pagination"><a rel="next" href="?page=2#x">Sau</a></div></body>'
    )
    page = parse_section_page(html, f"{BASE}/xay-dung-dang/")
    assert page.next_url == f"{BASE}/xay-dung-dang/?page=2"
    assert parse_section_page(SECTION_PAGE, f"{BASE}/xay-dung-dang/").next_url is None


def loadmore_body(fragment: str) -> str:
    return json.dumps({"error_code": 0, "data": {"articles": fragment, "hasMoreContent": True}})


@pytest.mark.parametrize(
    ("link", "title"),
    [
        # The title attribute, when there is one, is the title as the CMS wrote it.
        ('<a href="/a-post1.html" title="Tiêu đề">Khác</a>', "Tiêu đề"),
        # Else the link's text: each string stripped, joined by one space; comments and
        # scripts are not text (as BeautifulSoup's get_text(" ", strip=True) read it).
        (
            '<a href="/a-post1.html"> Hội <b>nghị</b><!-- c --> Dân'
            "<script>x()</script><style>b{}</style> vận </a>",
            "Hội nghị Dân vận",
        ),
        ('<a href="/a-post1.html">Dân<b>vận</b></a>', "Dân vận"),
        ('<a href="/a-post1.html" title=" "><img src="x.jpg"></a>', None),
    ],
)
def test_a_story_link_is_titled_by_its_title_attribute_else_its_text(
    link: str, title: str | None
) -> None:
    fragment = f'<article class="story"><h3 class="story__heading">{link}</h3></article>'
    page = parse_loadmore(loadmore_body(fragment), BASE + "/api/x", DEFAULT_PROFILE)
    assert [(item.article_id, item.title) for item in page.items] == [("1", title)]


def test_a_listed_story_carries_the_time_its_story_prints() -> None:
    fragment = (
        '<article class="story"><h3 class="story__heading"><a href="/a-post1.html">A</a></h3>'
        '<time datetime="2024-10-15T10:12:00+07:00">15/10</time></article>'
        '<ul><li><h3 class="story__heading"><a href="/b-post2.html">B</a></h3>'
        '<span><time datetime="2024-10-14T08:00:00">14/10</time></span></li></ul>'
        '<p class="story__heading"><a href="/c-post3.html">C</a>'
        '<time datetime="2024-10-13T07:00:00Z"></time></p>'
        '<article class="story"><h3 class="story__heading"><a href="/d-post4.html">D</a></h3>'
        '<time datetime="not a time"></time></article>'
    )
    page = parse_loadmore(loadmore_body(fragment), BASE + "/api/x", DEFAULT_PROFILE)
    vn = timezone(timedelta(hours=7))
    assert [(item.article_id, item.published) for item in page.items] == [
        ("1", datetime(2024, 10, 15, 10, 12, tzinfo=vn)),
        # no offset: the site's time (+07:00)
        ("2", datetime(2024, 10, 14, 8, 0, tzinfo=vn)),
        # neither in an article nor a list item: the link's parent holds the time
        ("3", datetime(2024, 10, 13, 7, 0, tzinfo=UTC)),
        ("4", None),
    ]


def test_a_load_more_fragment_without_any_element_lists_nothing() -> None:
    for fragment in ("<!-- nothing yet -->", "   "):
        page = parse_loadmore(loadmore_body(fragment), BASE + "/api/x", DEFAULT_PROFILE)
        assert page.items == ()


def test_a_section_page_served_as_bytes_is_read_like_its_text() -> None:
    as_text = parse_section_page(SECTION_PAGE, BASE + "/xay-dung-dang/", DEFAULT_PROFILE)
    as_bytes = parse_section_page(
        SECTION_PAGE.encode("utf-8"), BASE + "/xay-dung-dang/", DEFAULT_PROFILE
    )
    assert as_bytes == as_text
    assert as_bytes.items[0].title == "Một"


# Links urllib cannot read: an unclosed IPv6 bracket, a port that is no number or too big.
MALFORMED_LINKS = ["http://[baohatinh.vn/x-post1.html", "https://baohatinh.vn:80a/y-post2.html",
                   "https://baohatinh.vn:99999/z-post3.html"]


@pytest.mark.parametrize("bad", MALFORMED_LINKS)
def test_a_link_urllib_cannot_read_is_skipped_and_the_listing_read(bad: str) -> None:
    html = SECTION_PAGE.replace(
        '<div class="abf-cate">', f'<div class="abf-cate">{story(bad, "Hỏng")}'
    ).replace("</body>", f'<div class="pagination"><a rel="next" href="{bad}">Sau</a></div></body>')
    page = parse_section_page(html, f"{BASE}/xay-dung-dang/")
    assert [item.article_id for item in page.items] == ["101", "102", "103"]
    assert page.next_url is None
    more = parse_loadmore(loadmore_body(story(bad, "Hỏng") + story("/bon-post104.html", "Bốn")),
                          BASE + "/api/x", DEFAULT_PROFILE)
    assert [item.article_id for item in more.items] == ["104"]


def test_a_listed_time_in_milliseconds_is_read_and_one_out_of_range_is_left_out() -> None:
    seconds = 1728962000  # 2024-10-15 10:13:20 in Hà Nội
    body = json.dumps(
        {
            "data": {
                "contents": [
                    {"url": "/nam-post105.html", "date": seconds * 1000},
                    {"url": "/sau-post106.html", "date": 10**20},
                    {"url": "/bay-post107.html", "date": -(10**17)},
                    {"url": "/tam-post108.html", "date": seconds},
                ],
                "hasMoreContent": True,
            }
        }
    )
    items = parse_loadmore(body, BASE + "/api/x", DEFAULT_PROFILE).items
    when = datetime.fromtimestamp(seconds, UTC)
    assert [(item.article_id, item.published) for item in items] == [
        ("105", when), ("106", None), ("107", None), ("108", when)
    ]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
    | st.sampled_from(["/a-post1.html", "http://[x/b-post2.html", "https://x:8a/c-post3.html"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["url", "title", "date", "articles", "contents", "hasMoreContent"]),
        inner, max_size=4,
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(contents=st.lists(JSON_VALUES, max_size=5), data=JSON_VALUES)
def test_any_load_more_json_gives_a_page_or_the_parse_error_naming_it(
    contents: list[object], data: object
) -> None:
    # Whatever else the list holds, its one good story is read: nothing else sinks it.
    good = {"url": "/chin-post9.html", "title": "Chín"}
    payload = {"data": {"contents": [*contents, good], "hasMoreContent": True}}
    page = parse_loadmore(json.dumps(payload), BASE + "/api/x-2.html", DEFAULT_PROFILE)
    assert "9" in [item.article_id for item in page.items]
    try:
        parse_loadmore(json.dumps({"data": data}), BASE + "/api/x-2.html", DEFAULT_PROFILE)
    except ParseError as exc:
        assert "/api/x-2.html" in str(exc)
