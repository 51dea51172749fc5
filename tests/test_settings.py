"""Settings: config.toml is documented, validated on load, and chosen as documented."""

from __future__ import annotations

import tomllib
from dataclasses import fields
from pathlib import Path

import pytest

from scraper.errors import ConfigError
from scraper.settings import (
    TABLES,
    Section,
    Settings,
    describe,
    load_settings,
    settings_from_dict,
)

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "config.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_config_loads_and_equals_the_built_in_defaults() -> None:
    loaded = load_settings(CONFIG)
    assert loaded.site == Settings().site
    assert loaded.crawl == Settings().crawl
    assert loaded.sections == (Section(slug="xay-dung-dang", name="Xây dựng Đảng"),)
    assert loaded.database.url == "sqlite:///archive.db"


def test_the_shipped_config_sets_and_documents_every_key() -> None:
    text = CONFIG.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    for table, cls in TABLES.items():
        for f in fields(cls):
            assert f.name in data[table], f"config.toml lacks {table}.{f.name}"
            line = next(ln for ln in text.splitlines() if ln.startswith(f"{f.name} ="))
            previous = text.splitlines()[text.splitlines().index(line) - 1]
            assert previous.startswith("#"), f"{table}.{f.name} has no comment above it"


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("[crawl]\ndelay_secnds = 2\n", "crawl.delay_secnds"),
        ("[crawl]\nconcurrency = 'two'\n", "crawl.concurrency"),
        ("[crawl]\nobey_robots = 1\n", "crawl.obey_robots"),
        ("[site]\nallowed_hosts = 'baohatinh.vn'\n", "site.allowed_hosts"),
        ("[databse]\nurl = 'sqlite:///x.db'\n", "databse"),
        ("[[sections]]\nslug = 'a'\nnmae = 'b'\n", "sections[0].nmae"),
        ("[selectors]\ntitle = ['h1[']\n", "selectors.title"),
        ("[selectors]\ntitel = ['h1']\n", "selectors.titel"),
        ("[url_patterns]\narticle = '(unclosed'\n", "url_patterns.article"),
        ("[crawl]\nconcurrency = 0\n", "crawl.concurrency"),
        ("[crawl]\nparse_processes = -1\n", "crawl.parse_processes"),
        ("[crawl]\nmax_run_minutes = -1\n", "crawl.max_run_minutes"),
        ("[crawl]\nmax_run_minutes = inf\n", "crawl.max_run_minutes"),
        ("[crawl]\nmax_run_minutes = nan\n", "crawl.max_run_minutes"),
        ("[crawl]\nread_timeout = nan\n", "crawl.read_timeout"),
        ("[crawl]\ntotal_timeout = inf\n", "crawl.total_timeout"),
        ("[crawl]\ntotal_timeout = 0\n", "crawl.total_timeout"),
        ("[crawl]\ndelay_seconds = nan\n", "crawl.delay_seconds"),
        ("[crawl]\nuser_agent = 'anonymous-bot'\n", "crawl.user_agent"),
        # Numbers too large for a timer, a date or a worker count, each named at load time
        # instead of crashing (or hanging) the crawl later.
        ("[crawl]\nrecheck_days = 1000000\n", "crawl.recheck_days"),
        ("[crawl]\ndelay_seconds = 1e308\n", "crawl.delay_seconds"),
        ("[crawl]\nconnect_timeout = 1e308\n", "crawl.connect_timeout"),
        ("[crawl]\nretry_base_seconds = 1e308\n", "crawl.retry_base_seconds"),
        ("[crawl]\nbackoff_seconds = 1e308\n", "crawl.backoff_seconds"),
        ("[crawl]\nparse_processes = 9223372036854775807\n", "crawl.parse_processes"),
        ("[lock]\nlease_seconds = nan\n", "lock.lease_seconds"),
        ("[lock]\nlease_seconds = inf\n", "lock.lease_seconds"),
        ("[lock]\nheartbeat_seconds = nan\n", "lock.heartbeat_seconds"),
        ("[schedule]\njitter_seconds = 9223372036854775807\n", "schedule.jitter_seconds"),
        ("[schedule]\ncrawl = 'every 99999999999d'\n", "schedule.crawl"),
        ("[schedule]\ncrawl = '* * 31 2 *'\n", "schedule.crawl"),
        # Strings that cannot be used as they are.
        ('[crawl]\nuser_agent = "a\\nb @x"\n', "crawl.user_agent"),
        ("[crawl]\nuser_agent = 'Đảng @x'\n", "crawl.user_agent"),
        ("[site]\nallowed_hosts = ['']\n", "site.allowed_hosts"),
        ("[site]\nallowed_hosts = ['http://127.0.0.1/']\n", "site.allowed_hosts"),
        ("[site]\nbase_url = 'http://127.0.0.1:99999'\n", "site.base_url"),
        ("[site]\nbase_url = 'http://[::1'\n", "site.base_url"),
        ("[site]\nbase_url = 'http://127.0.0.1:18741 x'\n", "site.base_url"),
        # A crawl of an origin it may not fetch would fail every request, exit 3.
        ("[site]\nbase_url = 'https://example.com'\n", "site.base_url"),
        # A section slug is one path segment of /<slug>/: not empty, no "/", "?" or "..".
        ("[[sections]]\nslug = ''\nname = 'x'\n", "sections[0].slug"),
        ("[[sections]]\nslug = '../../admin?x=1'\n", "sections[0].slug"),
        ("[[sections]]\nslug = 'a/b'\n", "sections[0].slug"),
        ("[[sections]]\nslug = '..'\n", "sections[0].slug"),
        ("[[sections]]\nslug = 'a'\n[[sections]]\nslug = 'a'\n", "sections[1].slug"),
        ('[archive]\nimages_dir = "a\\u0000b"\n', "archive.images_dir"),
        ("[url_patterns]\nloadmore = '/api/{nope}-{page}.html'\n", "url_patterns.loadmore"),
        ("[url_patterns]\nsection_page = '/{0}/'\n", "url_patterns.section_page"),
        ("[url_patterns]\nsection_rss = '/rss/{slug.x}.rss'\n", "url_patterns.section_rss"),
        ("[url_patterns]\narticle = ''\n", "url_patterns.article"),
        ("[url_patterns]\nzone_id = 'zone-(\\d+)'\n", "url_patterns.zone_id"),
    ],
)
def test_a_bad_key_or_value_is_one_line_naming_the_file_and_key(
    tmp_path: Path, toml: str, key: str
) -> None:
    path = write(tmp_path, toml)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert "\n" not in message
    assert str(path) in message
    assert key in message
    assert caught.value.exit_code == 2


def test_a_base_url_on_an_allowed_host_is_accepted_whatever_its_port(tmp_path: Path) -> None:
    toml = "[site]\nbase_url = 'http://127.0.0.1:18741'\nallowed_hosts = ['127.0.0.1']\n"
    assert load_settings(write(tmp_path, toml)).site.base_url == "http://127.0.0.1:18741"


def test_a_section_listed_twice_is_refused_naming_both_entries(tmp_path: Path) -> None:
    toml = "[[sections]]\nslug = 'kinh-te'\n[[sections]]\nslug = 'kinh-te'\n"
    with pytest.raises(
        ConfigError, match=r"sections\[1\]\.slug: 'kinh-te' is already sections\[0\]"
    ):
        load_settings(write(tmp_path, toml))


def test_images_dir_that_is_a_file_is_refused_when_images_are_archived(tmp_path: Path) -> None:
    taken = tmp_path / "images"
    taken.write_text("not a folder")
    toml = f"[archive]\narchive_images = true\nimages_dir = '{taken}'\n"
    with pytest.raises(ConfigError, match="archive.images_dir: .* is not a folder"):
        load_settings(write(tmp_path, toml))


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("[crawl]\nuser_agent = 'caf\xe9'\n".encode("latin-1"), "not UTF-8 text"),
        (b"x = " + b"[" * 2000 + b"]" * 2000 + b"\n", "nested too deeply"),
    ],
)
def test_a_config_file_that_cannot_be_read_as_toml_names_the_file(
    tmp_path: Path, content: bytes, why: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(content)
    with pytest.raises(ConfigError, match=why) as caught:
        load_settings(path)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


def test_patterns_whose_id_is_never_read_need_no_id_group(tmp_path: Path) -> None:
    toml = "[url_patterns]\ntag = '^/tag/(?P<slug>[a-z0-9-]+)\\.html$'\n"
    assert load_settings(write(tmp_path, toml)).profile.pattern("tag").match("/tag/dang.html")


def test_a_typo_suggests_the_key_that_was_meant(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="did you mean 'crawl.delay_seconds'"):
        load_settings(write(tmp_path, "[crawl]\ndelay_secnds = 2\n"))


def test_invalid_toml_and_a_missing_file_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_settings(write(tmp_path, "[crawl\n"))
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.toml")


def test_integers_are_accepted_where_seconds_are_expected() -> None:
    settings = settings_from_dict({"crawl": {"delay_seconds": 2}})
    assert settings.crawl.delay_seconds == 2.0
    assert isinstance(settings.crawl.delay_seconds, float)


def test_selector_overrides_replace_only_the_named_field() -> None:
    settings = settings_from_dict({"selectors": {"title": ["h1.headline"]}})
    assert settings.profile.select("title") == ("h1.headline",)
    assert settings.profile.select("lead") == Settings().profile.select("lead")


def test_the_config_file_is_chosen_by_argument_then_environment_then_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BAOHATINH_CONFIG", raising=False)
    monkeypatch.delenv("BAOHATINH_DATABASE_URL", raising=False)
    assert load_settings().source is None
    (tmp_path / "config.toml").write_text("[crawl]\nconcurrency = 3\n", encoding="utf-8")
    assert load_settings().crawl.concurrency == 3
    other = tmp_path / "other.toml"
    other.write_text("[crawl]\nconcurrency = 4\n", encoding="utf-8")
    monkeypatch.setenv("BAOHATINH_CONFIG", str(other))
    assert load_settings().crawl.concurrency == 4
    assert load_settings(tmp_path / "config.toml").crawl.concurrency == 3


def test_the_database_url_environment_variable_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BAOHATINH_DATABASE_URL", "sqlite:///elsewhere.db")
    assert load_settings(CONFIG).database.url == "sqlite:///elsewhere.db"


def test_describe_prints_loadable_toml_with_help() -> None:
    text = describe(Settings())
    assert "# Requests in flight per host." in text
    reloaded = settings_from_dict(tomllib.loads(text))
    assert reloaded.crawl == Settings().crawl
    assert reloaded.sections == Settings().sections


def test_describe_hides_the_database_password() -> None:
    url = "postgresql+psycopg://archiver:S3cretPass@db.example.org:5432/arch"
    text = describe(settings_from_dict({"database": {"url": url}}))
    assert "S3cretPass" not in text
    assert 'url = "postgresql+psycopg://archiver:***@db.example.org:5432/arch"' in text


def test_describe_says_the_database_url_came_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BAOHATINH_CONFIG", raising=False)
    monkeypatch.setenv("BAOHATINH_DATABASE_URL", "postgresql+psycopg://u:pw@h/db")
    header = describe(load_settings()).splitlines()[0]
    assert header == (
        "# effective settings (from built-in defaults; database.url from $BAOHATINH_DATABASE_URL)"
    )
    header = describe(load_settings(CONFIG)).splitlines()[0]
    assert header.endswith(f"(from {CONFIG}; database.url from $BAOHATINH_DATABASE_URL)")


def test_describe_prints_the_selector_and_url_pattern_overrides() -> None:
    overrides = {
        "selectors": {"title": ["h1.my-title"]},
        "url_patterns": {"article": r"^/(?P<slug>[a-z0-9-]+)-p(?P<id>\d+)\.html$"},
    }
    settings = settings_from_dict(overrides)
    data = tomllib.loads(describe(settings))
    assert data["selectors"] == {"title": ["h1.my-title"]}
    assert data["url_patterns"] == overrides["url_patterns"]
    reloaded = settings_from_dict(data).profile
    assert dict(reloaded.selectors) == dict(settings.profile.selectors)
    assert dict(reloaded.url_patterns) == dict(settings.profile.url_patterns)


@pytest.mark.parametrize(
    "name", ["X\nY", "tab\there", 'a "quote" and a \\ backslash', "bell\x07 del\x7f", "Thời sự"]
)
def test_describe_prints_valid_toml_whatever_the_characters_of_a_value(name: str) -> None:
    settings = settings_from_dict({"sections": [{"slug": "thoi-su", "name": name}]})
    assert tomllib.loads(describe(settings))["sections"][0]["name"] == name
