"""Settings: the one place that reads the environment (PAPERLIGHT_*, optional .env)."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting of paperlight. Unknown PAPERLIGHT_* names (a typo) are rejected."""

    model_config = SettingsConfigDict(
        env_prefix="PAPERLIGHT_", env_file=".env", extra="ignore", frozen=True
    )

    home: Path = Field(default=Path("~/.paperlight"), description="Data folder.")
    max_pages: int = Field(default=300, description="Refuse PDFs with more pages than this.")
    max_upload_mb: int = Field(default=200, description="Refuse uploads larger than this.")

    qdrant_path: Path | None = Field(
        default=None, description="Local Qdrant folder (default: HOME/qdrant)."
    )
    qdrant_url: str = Field(
        default="", description="Qdrant server or cluster URL (overrides path)."
    )
    qdrant_api_key: SecretStr = Field(default=SecretStr(""), description="Qdrant server API key.")

    embed_base_url: str = Field(
        default="", description="OpenAI-compatible embeddings endpoint (default: bundled MiniLM)."
    )
    embed_model: str = Field(default="", description="Embedding model name at that endpoint.")
    embed_api_key: SecretStr = Field(default=SecretStr(""), description="Key for that endpoint.")

    llm_base_url: str = Field(
        default="", description="OpenAI-compatible LLM endpoint (empty: extractive answers)."
    )
    llm_model: str = Field(default="", description="LLM model name.")
    llm_api_key: SecretStr = Field(default=SecretStr(""), description="LLM API key.")
    openai_api_key: SecretStr = Field(
        default=SecretStr(""),
        validation_alias=AliasChoices("OPENAI_API_KEY", "PAPERLIGHT_OPENAI_API_KEY"),
        description="OPENAI_API_KEY alone (no LLM URL) means OpenAI's endpoint.",
    )
    llm_timeout_s: float = Field(default=60.0, description="Seconds before an LLM call fails.")
    llm_max_retries: int = Field(default=2, description="Retries on 429/5xx, with backoff.")

    top_k: int = Field(default=5, description="Passages retrieved per question.")
    abstain_threshold: float = Field(
        default=0.215,  # the best answer-or-abstain accuracy on ../shared/eval biodiv-cq (dev)
        description="Answerability below this abstains (set on the dev set).",
    )

    @model_validator(mode="after")
    def _no_unknown_names(self) -> Settings:
        known = {f"PAPERLIGHT_{name.upper()}" for name in type(self).model_fields}
        names = set(os.environ) | set(_dotenv_names(self.model_config.get("env_file")))
        unknown = sorted(
            n for n in names if n.upper().startswith("PAPERLIGHT_") and n.upper() not in known
        )
        if unknown:
            raise ValueError(f"unknown setting {', '.join(unknown)}: see the README's table")
        return self

    @property
    def home_dir(self) -> Path:
        return self.home.expanduser()

    @property
    def qdrant_dir(self) -> Path:
        return (self.qdrant_path or self.home_dir / "qdrant").expanduser()

    @property
    def cache_dir(self) -> Path:
        return self.home_dir / "cache"


def _dotenv_names(env_file: object) -> list[str]:
    path = Path(str(env_file)) if env_file else None
    if path is None or not path.is_file():
        return []
    lines = path.read_text(errors="replace").splitlines()
    return [ln.split("=", 1)[0].removeprefix("export ").strip() for ln in lines if "=" in ln]


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment and .env, with explicit overrides on top."""
    return Settings(**overrides)  # type: ignore[arg-type]
