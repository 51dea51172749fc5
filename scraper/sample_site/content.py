"""Static content of the sample site: sections, tags, fixed articles, word lists.

Everything here is data. The fixed articles are the ones the hand-written ``pages/seed.html``
links to (its "Đọc thêm" block, inline box and sidebars): their ids, titles and dates must
stay in step with that page. Every text is NFC Vietnamese.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo

try:  # the IANA name when the system has it; the fixed offset is the same instant
    from zoneinfo import ZoneInfo

    VN_TZ: tzinfo = ZoneInfo("Asia/Ho_Chi_Minh")
except Exception:  # pragma: no cover - only on machines without tzdata
    VN_TZ = timezone(timedelta(hours=7), "+07")

LEAD_PREFIX = "(Baohatinh.vn) - "
SEED_ID = 274411
SEED_SLUG = "huong-son-bieu-duong-19-mo-hinh-dan-van-kheo-giai-doan-2019-2024"


def vn(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    """Return an aware datetime in Vietnam time."""
    return datetime(year, month, day, hour, minute, tzinfo=VN_TZ)


def slugify(text: str) -> str:
    """Return the CMS-style ASCII slug of a Vietnamese title.

    ``đ`` has no Unicode decomposition, so it is folded by hand before the accents go.
    """
    folded = text.replace("đ", "d").replace("Đ", "D")
    ascii_text = "".join(
        ch for ch in unicodedata.normalize("NFD", folded) if not unicodedata.combining(ch)
    )
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


@dataclass(frozen=True, slots=True)
class Section:
    """A zone of the site. ``parent`` zones list the articles of their children."""

    slug: str
    name: str
    zone_id: int
    parent: str | None = None


SECTIONS: tuple[Section, ...] = (
    Section("chinh-tri", "Chính trị", 2),
    Section("xay-dung-dang", "Xây dựng Đảng", 22, parent="chinh-tri"),
    Section("kinh-te", "Kinh tế", 4),
    Section("the-thao", "Thể thao", 11),
)
SECTION_BY_SLUG = {section.slug: section for section in SECTIONS}

# Tag name -> tag id (URLs are /<slugify(name)>-tag<id>.html).
TAGS: dict[str, int] = {
    "Dân vận khéo": 12058,
    "Hương Sơn": 3184,
    "Công tác dân vận": 24617,
    "Xây dựng Đảng": 1520,
    "Kiểm điểm": 20931,
    "Đảng viên": 8842,
    "Huy hiệu Đảng": 15377,
    "Bầu cử": 27305,
    "Sinh hoạt chi bộ": 19264,
    "Công tác cán bộ": 17410,
    "Nông nghiệp": 4410,
    "Đầu tư": 5120,
    "Xuất khẩu": 7781,
    "Bóng chuyền": 9012,
    "Điền kinh": 9030,
    "Bóng đá": 9001,
}
SECTION_TAGS: dict[str, tuple[str, ...]] = {
    "xay-dung-dang": (
        "Xây dựng Đảng",
        "Kiểm điểm",
        "Đảng viên",
        "Huy hiệu Đảng",
        "Sinh hoạt chi bộ",
        "Công tác cán bộ",
        "Dân vận khéo",
        "Công tác dân vận",
    ),
    "kinh-te": ("Nông nghiệp", "Đầu tư", "Xuất khẩu"),
    "the-thao": ("Bóng chuyền", "Điền kinh", "Bóng đá"),
}

AUTHORS = (
    "Thu Hà",
    "Phan Trâm",
    "Thanh Hà",
    "Ngọc Loan",
    "Thiên Vỹ",
    "Đình Nhật",
    "Thu Phương",
    "Anh Thư",
    "Hoàng Anh",
    "Phan Trâm - Đình Nhật",
)


@dataclass(frozen=True, slots=True)
class FixedArticle:
    """An article whose id, title, lead and date other pages rely on."""

    article_id: int
    section_slug: str
    title: str
    summary: str  # the lead without the "(Baohatinh.vn) - " prefix
    published_at: datetime


# The five "Đọc thêm" items of the seed, in the seed's order (titles and summaries verbatim).
DOC_THEM_OF_SEED: tuple[FixedArticle, ...] = (
    FixedArticle(
        306512,
        "xay-dung-dang",
        "Hà Tĩnh hoàn thành kiểm điểm cuối năm đúng tiến độ, bảo đảm chất lượng",
        "Thực hiện các quy định, hướng dẫn của Trung ương và chỉ đạo của Tỉnh ủy về kiểm điểm,"
        " đánh giá, xếp loại chất lượng tổ chức đảng, đảng viên hằng năm, đến thời điểm này,"
        " 100% tổ chức đảng trên địa bàn tỉnh Hà Tĩnh đã hoàn thành việc kiểm điểm cuối năm"
        " đúng tiến độ, bảo đảm chất lượng, đúng quy trình.",
        vn(2026, 1, 14, 9, 30),
    ),
    FixedArticle(
        306288,
        "xay-dung-dang",
        "Bí thư Tỉnh ủy dự hội nghị kiểm điểm tập thể, cá nhân của Ban Thường vụ Đảng ủy UBND tỉnh",
        "Bí thư Tỉnh ủy Nguyễn Duy Lâm đề nghị Ban Thường vụ Đảng ủy UBND tỉnh tiếp tục đổi"
        " mới phương thức lãnh đạo, chỉ đạo; phát huy tinh thần đoàn kết, siết chặt kỷ luật"
        " kỷ cương; hoàn thiện quy chế làm việc, phân công công tác, nhiệm vụ đáp ứng yêu cầu"
        " nhiệm vụ trong tình hình mới.",
        vn(2026, 1, 12, 16, 5),
    ),
    FixedArticle(
        305941,
        "xay-dung-dang",
        "Ngành Tổ chức xây dựng Đảng hoàn thành khối lượng công việc lớn, chưa có tiền lệ",
        "Năm 2025 và nhìn lại nhiệm kỳ Đại hội XIII, toàn ngành Tổ chức xây dựng Đảng đã bám"
        " sát Nghị quyết Đại hội XIII của Đảng, các nghị quyết của Trung ương, cấp ủy các cấp,"
        " tập trung hoàn thành khối lượng công việc rất lớn, nhiều việc chưa có tiền lệ, góp"
        " phần quan trọng vào sự phát triển chung của đất nước.",
        vn(2026, 1, 9, 14, 20),
    ),
    FixedArticle(
        305702,
        "xay-dung-dang",
        "Linh hoạt cách thức tuyên truyền bầu cử ĐBQH và đại biểu HĐND các cấp",
        "Công tác tuyên truyền bầu cử ĐBQH khóa XVI và đại biểu HĐND các cấp nhiệm kỳ 2026 -"
        " 2031 đang được các địa phương ở Hà Tĩnh triển khai linh hoạt, đa dạng và đồng bộ"
        " qua mạng xã hội, loa truyền thanh đến hình thức trực quan, báo chí đa phương tiện."
        " Qua đó góp phần nâng cao nhận thức, tạo khí thế hướng về ngày hội toàn dân.",
        vn(2026, 1, 7, 8, 45),
    ),
    FixedArticle(
        304890,
        "xay-dung-dang",
        "Kiểm điểm, xếp loại tổ chức Đảng, đảng viên cuối năm: Nghiêm túc, nhiều đổi mới",
        "Công tác kiểm điểm, đánh giá và xếp loại tổ chức Đảng, đảng viên năm 2025 đã và đang"
        " được các tổ chức đảng trên địa bàn Hà Tĩnh triển khai. Năm nay, hệ thống phụ lục,"
        " tiêu chí đánh giá được cụ thể hóa theo từng nhóm đối tượng, từng vị trí việc làm,"
        " góp phần nâng cao chất lượng kiểm điểm.",
        vn(2025, 12, 30, 10, 15),
    ),
)

# The target of the seed's inline "Tin liên quan" box (a section article).
INLINE_OF_SEED = FixedArticle(
    273980,
    "xay-dung-dang",
    "Nghi Xuân phát huy vai trò người đứng đầu trong công tác dân vận",
    "Người đứng đầu cấp ủy ở Nghi Xuân trực tiếp đối thoại, lắng nghe và giải quyết kiến"
    " nghị của Nhân dân ngay từ cơ sở.",
    vn(2024, 10, 10, 15, 40),
)

# Articles in the seed's sidebars ("Tin mới", "Đọc nhiều"): mostly other sections.
SIDEBAR_OF_SEED: tuple[FixedArticle, ...] = (
    FixedArticle(
        274398,
        "kinh-te",
        "Giá lúa tăng, nông dân Hà Tĩnh phấn khởi thu hoạch vụ hè thu",
        "Giá lúa tươi tại ruộng tăng 500 - 700 đồng/kg so với cùng kỳ, nông dân các huyện"
        " trong tỉnh tranh thủ thu hoạch nhanh vụ hè thu.",
        vn(2024, 10, 15, 9, 5),
    ),
    FixedArticle(
        274385,
        "the-thao",
        "Hà Tĩnh giành 3 huy chương vàng tại giải điền kinh trẻ toàn quốc",
        "Đoàn vận động viên điền kinh Hà Tĩnh giành 3 huy chương vàng, 2 huy chương bạc tại"
        " giải điền kinh trẻ toàn quốc năm 2024.",
        vn(2024, 10, 15, 8, 20),
    ),
    FixedArticle(
        274350,
        "xay-dung-dang",
        "Can Lộc nâng cao chất lượng sinh hoạt chi bộ",
        "Các chi bộ ở Can Lộc chú trọng đổi mới nội dung sinh hoạt, lựa chọn những vấn đề"
        " thiết thực, gần gũi với đời sống người dân để đưa ra thảo luận.",
        vn(2024, 10, 14, 17, 30),
    ),
    FixedArticle(
        274290,
        "kinh-te",
        "Hà Tĩnh thu hút 12 dự án đầu tư mới trong 9 tháng",
        "Trong 9 tháng năm 2024, Hà Tĩnh cấp quyết định chủ trương đầu tư cho 12 dự án mới"
        " với tổng vốn đăng ký hơn 3.200 tỷ đồng.",
        vn(2024, 10, 14, 10, 0),
    ),
    FixedArticle(
        274120,
        "the-thao",
        "Bóng chuyền nữ Hà Tĩnh sẵn sàng cho mùa giải mới",
        "Đội bóng chuyền nữ Hà Tĩnh tích cực tập luyện, bổ sung lực lượng để chuẩn bị cho"
        " mùa giải mới.",
        vn(2024, 10, 12, 15, 10),
    ),
    FixedArticle(
        273901,
        "kinh-te",
        "Doanh nghiệp Hà Tĩnh xuất khẩu lô hàng thủy sản đầu tiên sang Nhật Bản",
        "Lô hàng 20 tấn mực khô của một doanh nghiệp ở Lộc Hà vừa được xuất khẩu sang thị"
        " trường Nhật Bản.",
        vn(2024, 10, 9, 11, 25),
    ),
)

FIXED_ARTICLES: tuple[FixedArticle, ...] = (*DOC_THEM_OF_SEED, INLINE_OF_SEED, *SIDEBAR_OF_SEED)

# --- the seed article (verbatim from the seed text) ------------------------------------
SEED_TITLE = 'Hương Sơn biểu dương 19 mô hình "Dân vận khéo" giai đoạn 2019 - 2024'
SEED_LEAD = (
    '(Baohatinh.vn) - Đây là những mô hình "Dân vận khéo" điển hình thuộc các lĩnh vực phát'
    " triển kinh tế, văn hóa - xã hội, quốc phòng - an ninh và xây dựng Đảng ở huyện Hương Sơn"
    " (Hà Tĩnh)."
)
SEED_PUBLISHED = vn(2024, 10, 15, 10, 12)
SEED_UPDATED = vn(2024, 10, 15, 16, 40)
SEED_AUTHOR = "Thu Hà"  # invented: the seed shows no byline
SEED_TAGS = ("Dân vận khéo", "Hương Sơn", "Công tác dân vận")  # invented
SEED_PARAGRAPHS: tuple[str, ...] = (
    "Sáng 15/10, Ban Thường vụ Huyện ủy Hương Sơn tổ chức hội nghị biểu dương mô hình điển"
    " hình tiêu biểu trong phong trào thi đua “Dân vận khéo” giai đoạn 2019 - 2024.",
    "Tham dự có lãnh đạo huyện Hương Sơn cùng 200 đại biểu đại diện cho 25 xã, thị trấn, các"
    " đơn vị trên địa bàn huyện.",
    "Trong 5 năm qua, huyện Hương Sơn đã triển khai quyết liệt, đồng bộ nhiều giải pháp, ban"
    " hành các nghị quyết, chỉ thị, kết luận về công tác dân vận và thực hiện phong trào thi"
    ' đua "Dân vận khéo", phù hợp với tình hình thực tiễn của từng địa phương, cơ quan, đơn'
    " vị và đã tạo sức lan tỏa trong cán bộ, đảng viên, đoàn viên, hội viên và cộng đồng dân"
    " cư.",
    'Toàn huyện đã xây dựng và nhân rộng được 839 mô hình, điển hình "Dân vận khéo" trên tất'
    " cả các lĩnh vực. Trong lĩnh vực kinh tế giai đoạn 2019 – 2024, huyện Hương Sơn đã xây"
    " dựng và nhân rộng 257 mô hình “Dân vận khéo”. Điển hình như vận động Nhân dân chuyển"
    " dịch cơ cấu trong sản xuất, kinh doanh, xây dựng trang trại, gia trại, trồng cây ăn"
    " quả, tích tụ ruộng đất nông nghiệp; giải phóng mặt bằng, tái định cư; phát triển"
    " thương mại, dịch vụ, góp phần hoàn thành các mục tiêu phát triển kinh tế trên địa bàn"
    " huyện. Từ đó tạo việc làm cho lao động nông thôn, tăng thu nhập, nâng cao đời sống vật"
    " chất cho người dân.",
    "Về công tác an sinh xã hội, bên cạnh vận động xã hội hóa nguồn lực đầu tư xây dựng 964"
    " nhà cho hộ nghèo, hộ khó khăn về nhà ở với số tiền 50,8 tỷ đồng, huyện Hương Sơn còn"
    " trao tặng 47.883 suất quà cho hộ nghèo, gia đình người có công có hoàn cảnh đặc biệt"
    " khó khăn.",
    "Đối với lĩnh vực văn hóa – xã hội, 5 năm qua, huyện Hương Sơn đã xây dựng được 434 mô"
    " hình “Dân vận khéo”, tập trung vào các phong trào văn hóa, văn nghệ, thể dục thể thao;"
    " vận động đồng bào công giáo sống “tốt đời, đẹp đạo, kính chúa yêu nước”, “tích cực"
    " tham gia xây dựng nông thôn mới”; vận động Nhân dân xây dựng khu dân cư nông thôn mới"
    ' kiểu mẫu; xây dựng 10 hộ liền kề nhà sạch - vườn đẹp, xây dựng gia đình "5 có - nông'
    ' thôn mới kiểu mẫu".',
    "Ở lĩnh vực quốc phòng – an ninh, toàn huyện đã xây dựng và nhân rộng được 78 mô hình"
    " điển hình, góp phần đảm bảo an ninh chính trị, trật tự an toàn xã hội trên địa bàn"
    " huyện…",
    "Các ý kiến thảo luận tại hội nghị đã tập trung làm rõ những tồn tại hạn chế và nguyên"
    " nhân đạt được; đồng thời đóng góp nhiều ý kiến vào nhiệm vụ, giải pháp trọng tâm thời"
    ' gian tới; trong đó cần tiếp tục đẩy mạnh xây dựng mô hình, điển hình "Dân vận khéo"'
    " trên các lĩnh vực, chú trọng xây dựng mô hình tại những địa bàn khó khăn, phức tạp...",
    "Phát biểu tại hội nghị, Bí thư Huyện ủy Bùi nhân Sâm đề nghị thời gian tới, các cấp ủy"
    " đảng, chính quyền phải thường xuyên quan tâm, chăm lo lợi ích của Nhân dân, coi đây là"
    " nội dung cốt lõi của công tác dân vận.",
    "Các tổ chức chính trị - xã hội, hội quần chúng cần tiếp tục đổi mới nội dung, phương"
    " thức hoạt động, thực hiện tốt vai trò là người đại diện, bảo vệ quyền lợi chính đáng,"
    " hợp pháp của đoàn viên, hội viên; chú trọng xây dựng, nhân rộng các mô hình ở những"
    " lĩnh vực khó. Nâng cao chất lượng các phong trào thi đua, các cuộc vận động, đặc biệt"
    " là phong trào toàn dân đoàn kết xây dựng đời sống văn hóa, bảo vệ an ninh Tổ quốc;"
    " chung sức xây dựng nông thôn mới, đô thị văn minh. Kịp thời tuyên dương các mô hình"
    " “Dận vận khéo” tiêu biểu trên các lĩnh vực, nhân rộng các mô hình hay, có sức lan tỏa"
    " sâu rộng, đem lại hiệu quả thiết thực.",
    'Tại hội nghị, 19 tập thể điển hình về công tác "Dân vận khéo" giai đoạn 2019 - 2024 đã'
    " được trao tặng giấy khen.",
)
# (file name, long hex, caption, alt) in page order.
SEED_IMAGES: tuple[tuple[str, str, str, str], ...] = (
    (
        "img-5104-5152.jpg",
        "21f593c5dce5898342b914680202b117bc62a2993a7afe9c04338d21f2a9daf2",
        "Đại biểu tham dự hội nghị",
        "Đại biểu tham dự hội nghị",
    ),
    (
        "img-5106-6035.jpg",
        "a518cde8360ed7fde3f80a2cd973dd863a4e0a345d34cc92091d888968b50847",
        "Bí thư Đảng ủy xã Quang Diệm Nguyễn Xuân Cảnh trình bày tham luận tại hội nghị",
        "Tham luận tại hội nghị biểu dương mô hình Dân vận khéo",
    ),
    (
        "img-5120-2211.jpg",
        "44e46d2feb354c86ca7ead19ed81e7c3cc9fe6b06f035daa5615754334c52889",
        "Bí thư Huyện ủy Hương Sơn Bùi Nhân Sâm kết luận hội nghị.",
        "Bí thư Huyện ủy Hương Sơn Bùi Nhân Sâm kết luận hội nghị",
    ),
    (
        "img-5142-9957.jpg",
        "5de4df25f8aa35b82c7af9ea6e5a5749397b9babe7d70703ec5820a97e7d12ce",
        'Lãnh đạo huyện Hương Sơn trao tặng giấy khen cho 19 tập thể điển hình về công tác "Dân'
        ' vận khéo" giai đoạn 2019 - 2024.',
        "Trao giấy khen cho 19 tập thể điển hình",
    ),
)
SEED_INLINE_SUMMARY = INLINE_OF_SEED.summary

# --- word lists for generated articles --------------------------------------------------
# (place, committee kind): "Huyện" gives "Huyện ủy"/"Huyện uỷ", "Thị" gives "Thị ủy"/"Thị uỷ".
PLACES: tuple[tuple[str, str], ...] = (
    ("Hương Sơn", "Huyện"),
    ("Hương Khê", "Huyện"),
    ("Can Lộc", "Huyện"),
    ("Thạch Hà", "Huyện"),
    ("Cẩm Xuyên", "Huyện"),
    ("Kỳ Anh", "Huyện"),
    ("Nghi Xuân", "Huyện"),
    ("Đức Thọ", "Huyện"),
    ("Vũ Quang", "Huyện"),
    ("Lộc Hà", "Huyện"),
    ("Hồng Lĩnh", "Thị"),
)

# Placeholders: {place} {committee} {n} {m} {pct} {year}
PARTY_TITLES: tuple[str, ...] = (
    "{place} nâng cao chất lượng sinh hoạt chi bộ",
    "Ban Thường vụ {committee} {place} kiểm điểm công tác quý {quarter} năm {year}",
    "{place} trao Huy hiệu Đảng cho {n} đảng viên",
    "{place} kết nạp {n} đảng viên mới",
    "Đảng bộ {place} quán triệt nghị quyết của Trung ương",
    "{place} phát huy vai trò nêu gương của cán bộ, đảng viên",
    "{place} đẩy mạnh phong trào thi đua “Dân vận khéo”",
    "{committee} {place} giám sát việc thực hiện quy chế dân chủ ở cơ sở",
    "{place} sơ kết công tác dân vận 6 tháng đầu năm {year}",
    "Bồi dưỡng lý luận chính trị cho {n} quần chúng ưu tú ở {place}",
    "{place} tổng kết công tác xây dựng Đảng năm {prev_year}",
    "Ủy ban Kiểm tra {committee} {place} triển khai nhiệm vụ năm {year}",
    "{place} tổ chức đại hội chi bộ điểm nhiệm kỳ mới",
    "{place} học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh",
)
PARTY_SENTENCES: tuple[str, ...] = (
    "Thời gian qua, {committee} {place} đã chỉ đạo các tổ chức cơ sở đảng đổi mới nội dung,"
    " phương thức sinh hoạt, gắn với thực tiễn của từng địa phương.",
    "Đảng bộ {place} hiện có {n} tổ chức cơ sở đảng với hơn {m} đảng viên.",
    "Năm {year}, có {pct}% tổ chức cơ sở đảng được đánh giá hoàn thành tốt nhiệm vụ trở lên.",
    "Công tác dân vận được chú trọng, góp phần củng cố niềm tin của Nhân dân đối với Đảng.",
    "Các chi bộ đã lựa chọn những vấn đề thiết thực, gần gũi với đời sống người dân để đưa"
    " ra thảo luận.",
    "Phát biểu tại hội nghị, Bí thư {committee} {place} đề nghị các cấp ủy tiếp tục nâng cao"
    " năng lực lãnh đạo, sức chiến đấu của tổ chức đảng.",
    "Nhiều mô hình hay, cách làm sáng tạo được nhân rộng, tạo sức lan tỏa trong cán bộ, đảng"
    " viên và Nhân dân.",
    "Bên cạnh kết quả đạt được, hội nghị cũng chỉ ra một số hạn chế như nội dung sinh hoạt ở"
    " một số chi bộ còn đơn điệu, tỷ lệ đảng viên trẻ chưa cao.",
    "Thời gian tới, {place} tập trung làm tốt công tác phát triển đảng viên, nhất là trong"
    " thanh niên và người lao động ở các doanh nghiệp.",
    "Dịp này, {n} tập thể và cá nhân có thành tích xuất sắc được tặng giấy khen.",
    "Công tác kiểm tra, giám sát được thực hiện thường xuyên, kịp thời phát hiện và chấn"
    " chỉnh những sai sót ngay từ cơ sở.",
    "Đến nay, {pct}% chi bộ đã duy trì nền nếp sinh hoạt định kỳ và sinh hoạt chuyên đề hằng quý.",
    "Các đảng viên được phân công phụ trách hộ gia đình, thường xuyên nắm bắt tâm tư, nguyện"
    " vọng của Nhân dân.",
    "Ban Thường vụ {committee} yêu cầu người đứng đầu cấp ủy phải gương mẫu, nói đi đôi với làm.",
    "Việc học tập, quán triệt nghị quyết được tổ chức nghiêm túc, với {m} lượt cán bộ, đảng"
    " viên tham gia.",
)
PARTY_CAPTIONS: tuple[str, ...] = (
    "Quang cảnh hội nghị.",
    "Lãnh đạo {committee} {place} phát biểu tại hội nghị.",
    "Trao Huy hiệu Đảng cho các đảng viên.",
    "Các đại biểu thảo luận tại hội nghị.",
    "Lễ kết nạp đảng viên mới tại chi bộ thôn.",
)

ECONOMY_TITLES: tuple[str, ...] = (
    "Nông dân {place} thu hoạch lúa xuân năm {year}",
    "{place} thu hút {n} dự án đầu tư mới",
    "Doanh nghiệp ở {place} mở rộng sản xuất, tạo việc làm cho {m} lao động",
    "Giá trị xuất khẩu của {place} tăng {pct}%",
)
ECONOMY_SENTENCES: tuple[str, ...] = (
    "Năm {year}, {place} có {n} doanh nghiệp mới thành lập với tổng vốn đăng ký hơn {m} tỷ đồng.",
    "Năng suất lúa bình quân đạt {pct} tạ/ha, cao hơn cùng kỳ năm trước.",
    "Tỉnh đã tháo gỡ nhiều khó khăn về mặt bằng, thủ tục cho nhà đầu tư.",
    "Người dân phấn khởi vì giá bán nông sản ổn định, đầu ra thuận lợi.",
    "Ngành công thương dự báo kim ngạch xuất khẩu tiếp tục tăng trong những tháng cuối năm.",
    "Hợp tác xã đã liên kết với {n} hộ dân để bao tiêu sản phẩm.",
)
SPORT_TITLES: tuple[str, ...] = (
    "Vận động viên {place} giành {n} huy chương tại giải trẻ",
    "{place} tổ chức giải bóng đá thanh niên năm {year}",
    "Đội bóng chuyền {place} vô địch giải cấp tỉnh",
    "Hơn {m} người tham gia ngày chạy Olympic vì sức khỏe toàn dân ở {place}",
)
SPORT_SENTENCES: tuple[str, ...] = (
    "Giải đấu thu hút {n} đội tham gia với hơn {m} vận động viên.",
    "Ban tổ chức đã trao {n} bộ huy chương cho các vận động viên xuất sắc.",
    "Phong trào thể dục thể thao quần chúng ở {place} ngày càng phát triển.",
    "Các trận đấu diễn ra sôi nổi, hấp dẫn, thu hút đông đảo người hâm mộ.",
    "Năm {year}, thể thao Hà Tĩnh đặt mục tiêu giành ít nhất {n} huy chương vàng quốc gia.",
)
GENERIC_CAPTIONS: tuple[str, ...] = (
    "Quang cảnh sự kiện.",
    "Người dân {place} phấn khởi.",
    "Ảnh minh họa.",
)

SECTION_TEXTS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "xay-dung-dang": (PARTY_TITLES, PARTY_SENTENCES, PARTY_CAPTIONS),
    "kinh-te": (ECONOMY_TITLES, ECONOMY_SENTENCES, GENERIC_CAPTIONS),
    "the-thao": (SPORT_TITLES, SPORT_SENTENCES, GENERIC_CAPTIONS),
}

WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")

# Leads (without the "(Baohatinh.vn) - " prefix). Placeholders as for sentences, plus
# {day} {month} {moment}.
SECTION_LEADS: dict[str, tuple[str, ...]] = {
    "xay-dung-dang": (
        "{moment} {day}/{month}, {committee} {place} tổ chức hội nghị đánh giá kết quả thực"
        " hiện nhiệm vụ và bàn giải pháp cho thời gian tới.",
        "Công tác xây dựng Đảng ở {place} có nhiều chuyển biến tích cực, góp phần nâng cao"
        " năng lực lãnh đạo và sức chiến đấu của tổ chức đảng.",
        "Đây là một trong những giải pháp trọng tâm được {committee} {place} triển khai trong"
        " năm {year}, hướng về cơ sở.",
        "Với cách làm bài bản, sát thực tiễn, các tổ chức đảng ở {place} đã tạo được sự đồng"
        " thuận cao trong cán bộ, đảng viên và Nhân dân.",
        "Năm {year}, Đảng bộ {place} đặt mục tiêu kết nạp ít nhất {n} đảng viên mới, trong đó"
        " chú trọng đoàn viên thanh niên.",
        "{moment} {day}/{month}, Ban Thường vụ {committee} {place} làm việc với các đảng ủy cơ sở"
        " về công tác chuẩn bị đại hội.",
        "Hơn {m} cán bộ, đảng viên ở {place} đã tham gia học tập, quán triệt các nghị quyết mới"
        " của Đảng.",
        "Thực hiện chủ trương của Tỉnh ủy, {committee} {place} đã ban hành kế hoạch cụ thể, giao"
        " nhiệm vụ rõ người, rõ việc.",
    ),
    "kinh-te": (
        "Kinh tế {place} tiếp tục có nhiều tín hiệu tích cực trong năm {year}.",
        "{moment} {day}/{month}, UBND tỉnh làm việc với các doanh nghiệp ở {place} để tháo gỡ"
        " khó khăn trong sản xuất, kinh doanh.",
    ),
    "the-thao": (
        "{moment} {day}/{month}, giải thể thao tại {place} khép lại sau nhiều ngày tranh tài"
        " sôi nổi.",
        "Phong trào thể dục thể thao ở {place} được duy trì thường xuyên trong năm {year}.",
    ),
}
MOMENTS = ("Sáng", "Chiều", "Tối")
