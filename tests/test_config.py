from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from paperlight.config import Settings, load_settings


def test_defaults(settings: Settings, tmp_path: Path) -> None:
    assert settings.home == tmp_path / "home"
    assert settings.home_dir == tmp_path / "home"
    assert settings.max_pages == 300
    assert settings.qdrant_path is None
    assert settings.qdrant_dir == tmp_path / "home" / "qdrant"
    assert settings.qdrant_dir.is_relative_to(settings.home_dir)
    assert settings.llm_base_url == ""  # no LLM by default: extractive answers


def test_home_default_is_in_the_user_folder(clean_env: Path) -> None:
    s = load_settings()
    assert s.home == Path("~/.paperlight")
    assert s.home_dir == Path("~/.paperlight").expanduser()
    assert s.qdrant_dir == s.home_dir / "qdrant"


def test_env_overrides_default(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERLIGHT_MAX_PAGES", "5")
    assert load_settings(home=clean_env / "home").max_pages == 5


def test_dotenv_is_read(clean_env: Path) -> None:
    (clean_env / ".env").write_text("PAPERLIGHT_TOP_K=9\n")
    assert load_settings(home=clean_env / "home").top_k == 9


def test_unknown_key_in_dotenv_is_rejected(clean_env: Path) -> None:
    (clean_env / ".env").write_text("PAPERLIGHT_MAX_PAGES=5\nPAPERLIGHT_NOT_A_SETTING=1\n")
    with pytest.raises(ValidationError, match="(?i)not_a_setting"):
        load_settings(home=clean_env / "home")


def test_readme_lists_every_setting() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `PAPERLIGHT_([A-Z0-9_]+)` \|", readme, flags=re.M))
    fields = {name.upper() for name in Settings.model_fields}
    assert listed == fields, "README's Configuration table is out of step with Settings"
