"""``baohatinh serve`` and its ``[web]`` settings: defaults, validation, the real server."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from scraper.errors import ConfigError
from scraper.settings import WebSettings, describe, load_settings, settings_from_dict
from scraper.web.server import bind

BIN = Path(sys.executable).parent / "baohatinh"


def test_web_settings_default_to_this_machine_port_8000() -> None:
    web = settings_from_dict({}).web
    assert (web.host, web.port, web.page_size) == ("127.0.0.1", 8000, 20)
    assert "[web]" in describe(settings_from_dict({}))


def test_the_shipped_config_documents_every_web_key() -> None:
    config = Path(__file__).resolve().parent.parent / "config.toml"
    text = config.read_text(encoding="utf-8")
    assert load_settings(config).web == WebSettings()
    section = text[text.index("[web]"):]
    for key in ("host", "port", "page_size"):
        line = next(line for line in section.splitlines() if line.startswith(f"{key} ="))
        before = section[: section.index(line)].rstrip().splitlines()[-1]
        assert before.startswith("#"), key


@pytest.mark.parametrize(
    ("table", "key", "message"),
    [
        ({"port": 70000}, "web.port", "must be a TCP port 0-65535"),
        ({"port": "8000"}, "web.port", "expected an integer"),
        ({"page_size": 0}, "web.page_size", "must be between 1 and 200"),
        ({"host": " "}, "web.host", "must not be empty"),
        ({"hots": "0.0.0.0"}, "web.hots", "did you mean 'web.host'"),
    ],
)
def test_a_bad_web_setting_names_its_key(table: dict[str, object], key: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        settings_from_dict({"web": table}, source="site.toml")
    assert f"site.toml: {key}: " in str(caught.value) and message in str(caught.value)


def test_an_address_in_use_is_a_config_error_naming_it() -> None:
    taken = bind("127.0.0.1", 0)
    try:
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match=f"cannot listen on 127.0.0.1:{port}"):
            bind("127.0.0.1", port)
    finally:
        taken.close()


def serve_env(url: str) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("BAOHATINH_")}
    environ["BAOHATINH_DATABASE_URL"] = url
    return environ


@pytest.fixture
def served(tmp_path: Path, sqlite_store: object) -> Iterator[str]:
    """``baohatinh serve --port 0`` over an empty archive; yields the URL it printed."""
    process = subprocess.Popen(
        [str(BIN), "serve", "--port", "0"], cwd=tmp_path, env=serve_env(str(sqlite_store.url)),  # type: ignore[attr-defined]
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("Serving the archive at http://127.0.0.1:"), process.stderr
        yield line.split(" at ")[1].split()[0]
    finally:
        process.terminate()
        process.communicate(timeout=30)


def test_serve_prints_its_address_and_answers_read_only(served: str) -> None:
    page = httpx.get(served, timeout=10)
    assert page.status_code == 200 and "Kho lưu trữ có <strong>0</strong> bài" in page.text
    assert httpx.post(served, timeout=10).status_code == 405


def test_serve_never_migrates_an_archive_that_is_not_at_head(tmp_path: Path) -> None:
    database = tmp_path / "old.db"
    result = subprocess.run(
        [str(BIN), "serve", "--port", "0"], cwd=tmp_path,
        env=serve_env(f"sqlite:///{database}"), capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "run `baohatinh db upgrade`" in result.stderr and str(database) in result.stderr
