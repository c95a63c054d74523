"""Settings: the one place that reads the environment (PAPERLIGHT_*, optional .env)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting of paperlight. Unknown PAPERLIGHT_* keys in a .env are rejected."""

    model_config = SettingsConfigDict(
        env_prefix="PAPERLIGHT_", env_file=".env", extra="forbid", frozen=True
    )

    home: Path = Field(default=Path("~/.paperlight"), description="Data folder.")
    max_pages: int = Field(default=300, description="Refuse PDFs with more pages than this.")
    max_upload_mb: int = Field(default=200, description="Refuse uploads larger than this.")

    qdrant_path: Path | None = Field(
        default=None, description="Local Qdrant folder (default: HOME/qdrant)."
    )
    qdrant_url: str = Field(default="", description="Qdrant server or cluster URL (overrides path).")
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
    llm_timeout_s: float = Field(default=60.0, description="Seconds before an LLM call fails.")
    llm_max_retries: int = Field(default=2, description="Retries on 429/5xx, with backoff.")

    top_k: int = Field(default=5, description="Passages retrieved per question.")
    abstain_threshold: float = Field(
        default=0.0, description="Answerability below this abstains (set on the dev set)."
    )

    @property
    def home_dir(self) -> Path:
        return self.home.expanduser()

    @property
    def qdrant_dir(self) -> Path:
        return (self.qdrant_path or self.home_dir / "qdrant").expanduser()

    @property
    def cache_dir(self) -> Path:
        return self.home_dir / "cache"


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment and .env, with explicit overrides on top."""
    return Settings(**overrides)  # type: ignore[arg-type]
