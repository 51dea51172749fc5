"""The seed article, rebuilt as a full CMS page, parsed field by field.

Every expected value below is copied from the seed text
(shared/seed/article-huong-son-dan-van-kheo.txt), except the values the sample page
invents and says so in its header comment (byline, tags, ids, image hashes, modified time,
the inline related box).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import scraper
from scraper.parse import PARSER_VERSION, parse_article
from scraper.records import Article

SEED_PAGE = Path(scraper.__file__).parent / "sample_site" / "pages" / "seed.html"
BASE = "https://baohatinh.vn"
CDN = "https://cdn.baohatinh.vn"
ARTICLE_URL = (
    f"{BASE}/huong-son-bieu-duong-19-mo-hinh-dan-van-kheo-giai-doan-2019-2024-post274411.html"
)
PLUS7 = timezone(timedelta(hours=7))

TITLE = 'Hương Sơn biểu dương 19 mô hình "Dân vận khéo" giai đoạn 2019 - 2024'
LEAD = (
    '(Baohatinh.vn) - Đây là những mô hình "Dân vận khéo" điển hình thuộc các lĩnh vực phát '
    "triển kinh tế, văn hóa - xã hội, quốc phòng - an ninh và xây dựng Đảng ở huyện Hương "
    "Sơn (Hà Tĩnh)."
)

PARAGRAPHS = (
    (
        "Sáng 15/10, Ban Thường vụ Huyện ủy Hương Sơn tổ chức hội nghị biểu dương mô hình điển "
        "hình tiêu biểu trong phong trào thi đua “Dân vận khéo” giai đoạn 2019 - 2024."
    ),
    (
        "Tham dự có lãnh đạo huyện Hương Sơn cùng 200 đại biểu đại diện cho 25 xã, thị trấn, "
        "các đơn vị trên địa bàn huyện."
    ),
    (
        "Trong 5 năm qua, huyện Hương Sơn đã triển khai quyết liệt, đồng bộ nhiều giải pháp, "
        "ban hành các nghị quyết, chỉ thị, kết luận về công tác dân vận và thực hiện phong "
        'trào thi đua "Dân vận khéo", phù hợp với tình hình thực tiễn của từng địa phương, cơ '
        "quan, đơn vị và đã tạo sức lan tỏa trong cán bộ, đảng viên, đoàn viên, hội viên và "
        "cộng đồng dân cư."
    ),
    (
        'Toàn huyện đã xây dựng và nhân rộng được 839 mô hình, điển hình "Dân vận khéo" trên '
        "tất cả các lĩnh vực. Trong lĩnh vực kinh tế giai đoạn 2019 – 2024, huyện Hương Sơn đã "
        "xây dựng và nhân rộng 257 mô hình “Dân vận khéo”. Điển hình như vận động Nhân dân "
        "chuyển dịch cơ cấu trong sản xuất, kinh doanh, xây dựng trang trại, gia trại, trồng "
        "cây ăn quả, tích tụ ruộng đất nông nghiệp; giải phóng mặt bằng, tái định cư; phát "
        "triển thương mại, dịch vụ, góp phần hoàn thành các mục tiêu phát triển kinh tế trên "
        "địa bàn huyện. Từ đó tạo việc làm cho lao động nông thôn, tăng thu nhập, nâng cao đời "
        "sống vật chất cho người dân."
    ),
    (
        "Về công tác an sinh xã hội, bên cạnh vận động xã hội hóa nguồn lực đầu tư xây dựng "
        "964 nhà cho hộ nghèo, hộ khó khăn về nhà ở với số tiền 50,8 tỷ đồng, huyện Hương Sơn "
        "còn trao tặng 47.883 suất quà cho hộ nghèo, gia đình người có công có hoàn cảnh đặc "
        "biệt khó khăn."
    ),
    (
        "Đối với lĩnh vực văn hóa – xã hội, 5 năm qua, huyện Hương Sơn đã xây dựng được 434 mô "
        "hình “Dân vận khéo”, tập trung vào các phong trào văn hóa, văn nghệ, thể dục thể "
        "thao; vận động đồng bào công giáo sống “tốt đời, đẹp đạo, kính chúa yêu nước”, “tích "
        "cực tham gia xây dựng nông thôn mới”; vận động Nhân dân xây dựng khu dân cư nông thôn "
        'mới kiểu mẫu; xây dựng 10 hộ liền kề nhà sạch - vườn đẹp, xây dựng gia đình "5 có - '
        'nông thôn mới kiểu mẫu".'
    ),
    (
        "Ở lĩnh vực quốc phòng – an ninh, toàn huyện đã xây dựng và nhân rộng được 78 mô hình "
        "điển hình, góp phần đảm bảo an ninh chính trị, trật tự an toàn xã hội trên địa bàn "
        "huyện…"
    ),
    (
        "Các ý kiến thảo luận tại hội nghị đã tập trung làm rõ những tồn tại hạn chế và nguyên "
        "nhân đạt được; đồng thời đóng góp nhiều ý kiến vào nhiệm vụ, giải pháp trọng tâm thời "
        'gian tới; trong đó cần tiếp tục đẩy mạnh xây dựng mô hình, điển hình "Dân vận khéo" '
        "trên các lĩnh vực, chú trọng xây dựng mô hình tại những địa bàn khó khăn, phức tạp..."
    ),
    (
        "Phát biểu tại hội nghị, Bí thư Huyện ủy Bùi nhân Sâm đề nghị thời gian tới, các cấp "
        "ủy đảng, chính quyền phải thường xuyên quan tâm, chăm lo lợi ích của Nhân dân, coi "
        "đây là nội dung cốt lõi của công tác dân vận."
    ),
    (
        "Các tổ chức chính trị - xã hội, hội quần chúng cần tiếp tục đổi mới nội dung, phương "
        "thức hoạt động, thực hiện tốt vai trò là người đại diện, bảo vệ quyền lợi chính đáng, "
        "hợp pháp của đoàn viên, hội viên; chú trọng xây dựng, nhân rộng các mô hình ở những "
        "lĩnh vực khó. Nâng cao chất lượng các phong trào thi đua, các cuộc vận động, đặc biệt "
        "là phong trào toàn dân đoàn kết xây dựng đời sống văn hóa, bảo vệ an ninh Tổ quốc; "
        "chung sức xây dựng nông thôn mới, đô thị văn minh. Kịp thời tuyên dương các mô hình "
        "“Dận vận khéo” tiêu biểu trên các lĩnh vực, nhân rộng các mô hình hay, có sức lan tỏa "
        "sâu rộng, đem lại hiệu quả thiết thực."
    ),
    (
        'Tại hội nghị, 19 tập thể điển hình về công tác "Dân vận khéo" giai đoạn 2019 - 2024 '
        "đã được trao tặng giấy khen."
    ),
)
CAPTIONS = (
    "Đại biểu tham dự hội nghị",
    "Bí thư Đảng ủy xã Quang Diệm Nguyễn Xuân Cảnh trình bày tham luận tại hội nghị",
    "Bí thư Huyện ủy Hương Sơn Bùi Nhân Sâm kết luận hội nghị.",
    (
        "Lãnh đạo huyện Hương Sơn trao tặng giấy khen cho 19 tập thể điển hình về công tác "
        '"Dân vận khéo" giai đoạn 2019 - 2024.'
    ),
)
IMAGE_FILES = ("img-5104-5152.jpg", "img-5106-6035.jpg", "img-5120-2211.jpg", "img-5142-9957.jpg")
DOC_THEM = (
    (
        "Hà Tĩnh hoàn thành kiểm điểm cuối năm đúng tiến độ, bảo đảm chất lượng",
        (
            "Thực hiện các quy định, hướng dẫn của Trung ương và chỉ đạo của Tỉnh ủy về kiểm "
            "điểm, đánh giá, xếp loại chất lượng tổ chức đảng, đảng viên hằng năm, đến thời "
            "điểm này, 100% tổ chức đảng trên địa bàn tỉnh Hà Tĩnh đã hoàn thành việc kiểm "
            "điểm cuối năm đúng tiến độ, bảo đảm chất lượng, đúng quy trình."
        ),
    ),
    (
        (
            "Bí thư Tỉnh ủy dự hội nghị kiểm điểm tập thể, cá nhân của Ban Thường vụ Đảng ủy "
            "UBND tỉnh"
        ),
        (
            "Bí thư Tỉnh ủy Nguyễn Duy Lâm đề nghị Ban Thường vụ Đảng ủy UBND tỉnh tiếp tục "
            "đổi mới phương thức lãnh đạo, chỉ đạo; phát huy tinh thần đoàn kết, siết chặt kỷ "
            "luật kỷ cương; hoàn thiện quy chế làm việc, phân công công tác, nhiệm vụ đáp ứng "
            "yêu cầu nhiệm vụ trong tình hình mới."
        ),
    ),
    (
        "Ngành Tổ chức xây dựng Đảng hoàn thành khối lượng công việc lớn, chưa có tiền lệ",
        (
            "Năm 2025 và nhìn lại nhiệm kỳ Đại hội XIII, toàn ngành Tổ chức xây dựng Đảng đã "
            "bám sát Nghị quyết Đại hội XIII của Đảng, các nghị quyết của Trung ương, cấp ủy "
            "các cấp, tập trung hoàn thành khối lượng công việc rất lớn, nhiều việc chưa có "
            "tiền lệ, góp phần quan trọng vào sự phát triển chung của đất nước."
        ),
    ),
    (
        "Linh hoạt cách thức tuyên truyền bầu cử ĐBQH và đại biểu HĐND các cấp",
        (
            "Công tác tuyên truyền bầu cử ĐBQH khóa XVI và đại biểu HĐND các cấp nhiệm kỳ 2026 "
            "- 2031 đang được các địa phương ở Hà Tĩnh triển khai linh hoạt, đa dạng và đồng "
            "bộ qua mạng xã hội, loa truyền thanh đến hình thức trực quan, báo chí đa phương "
            "tiện. Qua đó góp phần nâng cao nhận thức, tạo khí thế hướng về ngày hội toàn dân."
        ),
    ),
    (
        "Kiểm điểm, xếp loại tổ chức Đảng, đảng viên cuối năm: Nghiêm túc, nhiều đổi mới",
        (
            "Công tác kiểm điểm, đánh giá và xếp loại tổ chức Đảng, đảng viên năm 2025 đã và "
            "đang được các tổ chức đảng trên địa bàn Hà Tĩnh triển khai. Năm nay, hệ thống phụ "
            "lục, tiêu chí đánh giá được cụ thể hóa theo từng nhóm đối tượng, từng vị trí việc "
            "làm, góp phần nâng cao chất lượng kiểm điểm."
        ),
    ),
)


def seed_html(base: str = BASE, cdn: str = CDN) -> str:
    """The sample page with its origin placeholders filled in, as the sample server does."""
    return SEED_PAGE.read_text(encoding="utf-8").replace("{{BASE}}", base).replace("{{CDN}}", cdn)


@pytest.fixture(scope="module")
def article() -> Article:
    return parse_article(seed_html(), ARTICLE_URL)


def test_identity(article: Article) -> None:
    assert article.url == ARTICLE_URL
    assert article.article_id == "274411"
    assert article.template == "cms"
    assert article.parser_version == PARSER_VERSION


def test_title_and_lead(article: Article) -> None:
    assert article.title == TITLE
    assert article.lead == LEAD


def test_published_and_updated_times(article: Article) -> None:
    assert article.published_at == datetime(2024, 10, 15, 10, 12, tzinfo=PLUS7)
    assert article.published_at.utcoffset() == timedelta(hours=7)
    # The meta tag writes the offset without a colon, the trap SITE.md warns about.
    assert article.published_raw == "2024-10-15T10:12:00+0700"
    assert article.updated_at == datetime(2024, 10, 15, 16, 40, tzinfo=PLUS7)
    assert article.updated_raw == "2024-10-15T16:40:00+0700"


def test_section_author_and_tags(article: Article) -> None:
    assert article.section == "Xây dựng Đảng"
    assert article.section_slug == "xay-dung-dang"
    assert article.author == "Thu Hà"
    assert article.tags == ("Dân vận khéo", "Hương Sơn", "Công tác dân vận")


def test_body_paragraphs_are_the_seed_paragraphs_in_order(article: Article) -> None:
    assert len(article.body_paragraphs) == 11
    assert article.body_paragraphs[0] == PARAGRAPHS[0]
    assert article.body_paragraphs[-1] == PARAGRAPHS[-1]
    assert article.body_paragraphs == PARAGRAPHS


def test_body_text_is_clean(article: Article) -> None:
    text = article.body_text
    # &nbsp; became a space and the zero-width space is gone.
    assert "Sáng 15/10, Ban Thường vụ" in text
    assert "Hương Sơn cùng 200 đại biểu" in text
    assert "\u00a0" not in text and "\u200b" not in text
    # Typos of the printed article are kept as printed.
    assert "Bùi nhân Sâm" in text and "“Dận vận khéo”" in text


MUST_NOT_CONTAIN = (
    *CAPTIONS,  # captions belong to images
    "Quảng cáo",  # the ad slot's label
    "Ưu đãi lãi suất",  # the ad
    "Bản nháp",  # a commented-out paragraph
    "Biên tập viên ẩn",  # the rest of that comment
    "Tin liên quan",  # the inline related box ...
    "Nghi Xuân phát huy vai trò",
    "Người đứng đầu cấp ủy ở Nghi Xuân",
    "Đọc thêm",  # the "Đọc thêm" block after the body
    *(title for title, _ in DOC_THEM),
    *(summary for _, summary in DOC_THEM),
    "Tin mới",  # sidebars
    "Giá lúa tăng",
    "Đọc nhiều",
    "Từ khóa",  # tag box
    "Facebook",  # share bar
    "BÁO HÀ TĨNH - CƠ QUAN",  # footer
    "dataLayer",  # scripts
)


@pytest.mark.parametrize("snippet", MUST_NOT_CONTAIN)
def test_body_text_must_not_contain(article: Article, snippet: str) -> None:
    assert all(snippet not in paragraph for paragraph in article.body_paragraphs)


def test_body_html_is_cleaned(article: Article) -> None:
    html = article.body_html
    assert html.startswith('<div class="article__body')
    for noise in ("<!--", "Bản nháp", "<script", "adsWeb_", "Ưu đãi", "cms-relate", "data:image"):
        assert noise not in html
    # Captions stay in the HTML: it is the body as printed, minus noise.
    assert CAPTIONS[1] in html
    assert f'src="{CDN}/images/' in html


def test_images_in_order_with_real_urls_and_captions(article: Article) -> None:
    assert [image.position for image in article.images] == [0, 1, 2, 3]
    assert [image.url.rsplit("/", 1)[-1] for image in article.images] == list(IMAGE_FILES)
    for image in article.images:
        assert image.url.startswith(f"{CDN}/images/")
        assert image.alt
    assert [image.caption for image in article.images] == list(CAPTIONS)
    assert article.images[0].url == (
        f"{CDN}/images/21f593c5dce5898342b914680202b117bc62a2993a7afe9c04338d21f2a9daf2/"
        "img-5104-5152.jpg"
    )
    assert article.images[0].alt == "Đại biểu tham dự hội nghị"


def test_doc_them_links_each_once_with_titles_and_summaries(article: Article) -> None:
    links = [link for link in article.related if link.kind == "doc-them"]
    assert [(link.title, link.summary) for link in links] == list(DOC_THEM)
    assert [link.url.rsplit("-post", 1)[-1] for link in links] == [
        "306512.html",
        "306288.html",
        "305941.html",
        "305702.html",
        "304890.html",
    ]
    assert all(link.url.startswith(f"{BASE}/") for link in links)


def test_sidebar_stories_are_not_related_links(article: Article) -> None:
    titles = {link.title for link in article.related}
    assert "Giá lúa tăng, nông dân Hà Tĩnh phấn khởi thu hoạch vụ hè thu" not in titles
    assert "Bóng chuyền nữ Hà Tĩnh sẵn sàng cho mùa giải mới" not in titles


def test_inline_related_link(article: Article) -> None:
    inline = [link for link in article.related if link.kind == "inline"]
    assert [(link.url, link.title, link.summary) for link in inline] == [
        (
            f"{BASE}/nghi-xuan-phat-huy-vai-tro-nguoi-dung-dau-trong-cong-tac-dan-van-post273980.html",
            "Nghi Xuân phát huy vai trò người đứng đầu trong công tác dân vận",
            "Người đứng đầu cấp ủy ở Nghi Xuân trực tiếp đối thoại, lắng nghe và giải quyết "
            "kiến nghị của Nhân dân ngay từ cơ sở.",
        )
    ]


def test_sources_and_warnings(article: Article) -> None:
    assert article.sources == {
        "url": "og",
        "title": "cms",
        "lead": "cms",
        "published": "meta",
        "updated": "meta",
        "author": "cms",
        "section": "meta",
        "section_slug": "cms",
        "tags": "cms",
        "body": "cms",
        "images": "cms",
        "related": "cms",
    }
    assert article.warnings == ()


def test_bytes_input_gives_the_same_record(article: Article) -> None:
    assert parse_article(seed_html().encode("utf-8"), ARTICLE_URL) == article


def test_served_from_a_local_sample_server() -> None:
    """On the sample server both origins are the server's own: URLs follow it."""
    local = "http://127.0.0.1:8123"
    url = ARTICLE_URL.replace(BASE, local)
    article = parse_article(seed_html(base=local, cdn=local), url)
    assert article.url == url and article.article_id == "274411"
    assert all(image.url.startswith(f"{local}/images/") for image in article.images)
    assert all(link.url.startswith(f"{local}/") for link in article.related)
    assert article.body_paragraphs == PARAGRAPHS
