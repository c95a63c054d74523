"""Shared fixtures: the fixture PDFs and settings isolated from the caller's environment."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from paperlight.config import Settings, load_settings

FIXTURES = Path(__file__).parent / "fixtures"

_LEAKY_EXACT = {"OPENAI_API_KEY", "OPENAI_BASE_URL"}


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """tests/fixtures: the small CC BY papers (see PROVENANCE.md)."""
    return FIXTURES


@pytest.fixture(scope="session")
def acl_pdf(fixtures_dir: Path) -> Path:
    """'Construction of the Literature Graph in Semantic Scholar' (NAACL 2018), 2 columns."""
    return fixtures_dir / "literature_graph_acl2018.pdf"


@pytest.fixture(scope="session")
def bdj_pdf(fixtures_dir: Path) -> Path:
    """'Detection and annotation of plant organs from digitised herbarium scans using deep
    learning' (Biodiversity Data Journal 2020), one column, 18 pages."""
    return fixtures_dir / "herbarium_bdj2020.pdf"


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No PAPERLIGHT_* / OPENAI_* settings leak in, and cwd is tmp_path so no .env is read."""
    for name in list(os.environ):
        if name.startswith("PAPERLIGHT_") or name in _LEAKY_EXACT:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def settings(clean_env: Path, tmp_path: Path) -> Settings:
    """Default settings with their data folder under tmp_path/home."""
    return load_settings(home=tmp_path / "home")
