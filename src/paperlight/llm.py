"""The one wrapper around an OpenAI-compatible chat endpoint (OpenAI, vLLM, Ollama, llama.cpp,
LM Studio), through the ``openai`` package.

Retries: the openai client retries connection errors, timeouts, 408, 409, 429 and 5xx itself,
``max_retries`` times, with exponential backoff (0.5 s doubling up to 8 s, with jitter) or the
server's ``Retry-After``. Every failure that is left becomes an :class:`LLMError` whose message
says what happened and what to do. There is no fallback to another provider.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import httpx
import openai

from paperlight.config import Settings
from paperlight.errors import LLMError

Message = dict[str, str]

OPENAI_BASE_URL = "https://api.openai.com/v1"
#: Used only with OpenAI's own endpoint when no PAPERLIGHT_LLM_MODEL is set.
DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
# OpenAI-compatible local servers ignore the key, but the openai client insists on one.
_NO_KEY = "not-needed"


class LLM:
    """A chat model at an OpenAI-compatible endpoint."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str = "",
        timeout_s: float = 60.0,
        max_retries: int = 2,
        temperature: float | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.temperature = temperature  # None: the server's default (some models accept no other)
        # Everything is passed explicitly so the client reads no OPENAI_* variable itself.
        self._client = openai.OpenAI(
            base_url=self.base_url,
            api_key=api_key or _NO_KEY,
            timeout=timeout_s,
            max_retries=max_retries,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> LLM | None:
        """The configured LLM, or None when there is none (answers are then extractive).

        An empty PAPERLIGHT_LLM_BASE_URL with an OpenAI key means OpenAI's own endpoint.
        """
        base_url = settings.llm_base_url.strip()
        key = settings.llm_api_key.get_secret_value()
        model = settings.llm_model.strip()
        if not base_url:
            # ``openai_api_key`` (OPENAI_API_KEY) is not a Settings field yet; read it if it is.
            openai_key = getattr(settings, "openai_api_key", None)
            key = key or (openai_key.get_secret_value() if openai_key is not None else "")
            if not key:
                return None
            base_url, model = OPENAI_BASE_URL, model or DEFAULT_OPENAI_MODEL
        elif not model:
            raise LLMError(
                f"no model named for the LLM at {base_url}: set PAPERLIGHT_LLM_MODEL "
                "to a model that server serves"
            )
        return cls(
            base_url=base_url,
            model=model,
            api_key=key,
            timeout_s=settings.llm_timeout_s,
            max_retries=settings.llm_max_retries,
            # Not a Settings field yet either; None leaves the server's default.
            temperature=getattr(settings, "llm_temperature", None),
        )

    def stream_chat(self, messages: Sequence[Message]) -> Iterator[str]:
        """The reply's text, delta by delta, as the server sends it.

        Raises LLMError (while iterating) on any failure, including a reply with no text.
        """
        got_text = False
        try:
            stream = self._client.chat.completions.create(
                model=self.model, messages=list(messages), stream=True, **self._options()
            )
            with stream:
                for chunk in stream:
                    if not isinstance(getattr(chunk, "choices", None), list):
                        raise LLMError(self._malformed("a stream chunk without choices"))
                    for choice in chunk.choices:
                        delta = choice.delta.content if choice.delta is not None else None
                        if delta:
                            got_text = True
                            yield delta
        except LLMError:
            raise
        except Exception as exc:  # every failure becomes one readable LLMError
            raise self._error(exc) from exc
        if not got_text:
            raise LLMError(self._empty())

    def complete(self, messages: Sequence[Message]) -> str:
        """The whole reply's text, in one request (no streaming)."""
        try:
            response = self._client.chat.completions.create(
                model=self.model, messages=list(messages), **self._options()
            )
        except Exception as exc:
            raise self._error(exc) from exc
        choices = getattr(response, "choices", None)
        if not isinstance(choices, list) or not choices or choices[0].message is None:
            raise LLMError(self._malformed("a reply without choices"))
        text = choices[0].message.content or ""
        if not text.strip():
            raise LLMError(self._empty())
        return text

    def _options(self) -> dict[str, Any]:
        return {} if self.temperature is None else {"temperature": self.temperature}

    # ------------------------------------------------------------ errors

    def _error(self, exc: Exception) -> LLMError:
        return LLMError(self._describe(exc))

    def _describe(self, exc: Exception) -> str:
        url, tries = self.base_url, self.max_retries + 1
        if isinstance(exc, openai.APITimeoutError | httpx.TimeoutException):
            return (
                f"the LLM at {url} did not answer within {self.timeout_s:g} s "
                f"({tries} tries): raise PAPERLIGHT_LLM_TIMEOUT_S or use a smaller/faster model"
            )
        if isinstance(exc, openai.APIConnectionError | httpx.ConnectError):
            return (
                f"cannot reach the LLM at {url}: is the server running? "
                "(check PAPERLIGHT_LLM_BASE_URL)"
            )
        if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
            return (
                f"the LLM at {url} refused the API key ({exc.status_code}): "
                "check PAPERLIGHT_LLM_API_KEY"
            )
        if isinstance(exc, openai.NotFoundError):
            return (
                f"model '{self.model}' or the URL {url} was not found (404): check "
                "PAPERLIGHT_LLM_MODEL and PAPERLIGHT_LLM_BASE_URL (it usually ends in /v1)"
            )
        if isinstance(exc, openai.RateLimitError):
            return (
                f"the LLM at {url} is rate-limiting (429) after {tries} tries: wait a minute, "
                "or raise PAPERLIGHT_LLM_MAX_RETRIES"
            )
        if isinstance(exc, openai.APIStatusError) and exc.status_code >= 500:
            return (
                f"the LLM at {url} failed with server error {exc.status_code} after {tries} "
                "tries: check the server's log, then retry"
            )
        if isinstance(exc, openai.APIStatusError):
            return (
                f"the LLM at {url} rejected the request ({exc.status_code}: "
                f"{_server_message(exc)}): check PAPERLIGHT_LLM_MODEL and the server's limits"
            )
        if isinstance(exc, ValueError | openai.APIResponseValidationError):
            return self._malformed("a reply that is not OpenAI-style JSON")
        if isinstance(exc, openai.APIError):
            return f"the LLM at {url} returned an error: {exc.message}"
        if isinstance(exc, httpx.HTTPError):
            return f"the connection to the LLM at {url} broke ({type(exc).__name__}): retry"
        return f"the LLM call to {url} failed: {type(exc).__name__}: {exc}"

    def _malformed(self, what: str) -> str:
        return (
            f"the LLM at {self.base_url} sent {what}: is PAPERLIGHT_LLM_BASE_URL an "
            "OpenAI-compatible endpoint (ending in /v1)?"
        )

    def _empty(self) -> str:
        return (
            f"the LLM '{self.model}' at {self.base_url} returned an empty reply: "
            "retry, or try another model"
        )


def _server_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        message = body.get("message") or (body.get("error") or {}).get("message")
        if message:
            return " ".join(str(message).split())[:200]
    return exc.message[:200]
