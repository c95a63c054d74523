"""paperlight.llm against a real scripted HTTP server (tests/openai_stub.py)."""

from __future__ import annotations

import socket
import time
from types import SimpleNamespace

import pytest
from openai_stub import OpenAIStub, Reply, openai_stub_fixture  # noqa: F401  (a fixture)
from pydantic import SecretStr

from paperlight.config import Settings
from paperlight.errors import LLMError
from paperlight.llm import DEFAULT_OPENAI_MODEL, LLM, OPENAI_BASE_URL

MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi?"}]
FAST_RETRY = {"retry-after-ms": "10"}  # the client honours it, so retry tests stay quick


def make_llm(stub: OpenAIStub, **overrides: object) -> LLM:
    options: dict = {"base_url": stub.url, "model": "stub-model", "api_key": "sk-test"}
    options.update(timeout_s=5.0, max_retries=0)
    options.update(overrides)
    return LLM(**options)


def llm_error(call) -> str:
    with pytest.raises(LLMError) as caught:
        call()
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_stream_yields_deltas_in_order(openai_stub: OpenAIStub) -> None:
    chunks = ["The ", "model ", "was ", "trained ", "on ", "GPUs", " [1]."]
    openai_stub.reply(Reply(chunks=chunks))
    assert list(make_llm(openai_stub).stream_chat(MESSAGES)) == chunks
    (request,) = openai_stub.requests
    assert request.body["stream"] is True
    assert request.body["model"] == "stub-model"
    assert request.messages == MESSAGES
    assert request.headers["Authorization"] == "Bearer sk-test"


def test_temperature_is_sent_only_when_set(openai_stub: OpenAIStub) -> None:
    openai_stub.reply("a", "b")
    make_llm(openai_stub).complete(MESSAGES)
    make_llm(openai_stub, temperature=0.0).complete(MESSAGES)
    default, explicit = (r.body for r in openai_stub.requests)
    assert "temperature" not in default and explicit["temperature"] == 0.0


def test_complete_returns_the_whole_text(openai_stub: OpenAIStub) -> None:
    openai_stub.reply("What hardware was used to train the model?")
    text = make_llm(openai_stub).complete(MESSAGES)
    assert text == "What hardware was used to train the model?"
    assert not openai_stub.requests[0].body.get("stream")


def test_connection_refused_names_the_url() -> None:
    with socket.socket() as sock:  # a port nothing listens on any more
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    llm = LLM(base_url=f"http://127.0.0.1:{port}/v1", model="m", max_retries=0, timeout_s=5)
    message = llm_error(lambda: list(llm.stream_chat(MESSAGES)))
    assert f"cannot reach the LLM at http://127.0.0.1:{port}/v1" in message
    assert "is the server running?" in message


@pytest.mark.parametrize("status", [401, 403])
def test_refused_key(openai_stub: OpenAIStub, status: int) -> None:
    openai_stub.reply(Reply(status=status, error="invalid api key"))
    message = llm_error(lambda: list(make_llm(openai_stub).stream_chat(MESSAGES)))
    assert "refused the API key" in message and str(status) in message
    assert "PAPERLIGHT_LLM_API_KEY" in message


def test_not_found_names_the_model(openai_stub: OpenAIStub) -> None:
    openai_stub.reply(Reply(status=404, error="model 'llama9' not found"))
    message = llm_error(lambda: make_llm(openai_stub, model="llama9").complete(MESSAGES))
    assert "'llama9'" in message and "404" in message and openai_stub.url in message


def test_429_then_200_succeeds_after_a_retry(openai_stub: OpenAIStub) -> None:
    openai_stub.reply(Reply(status=429, headers=FAST_RETRY), Reply(chunks=["fine"]))
    assert list(make_llm(openai_stub, max_retries=2).stream_chat(MESSAGES)) == ["fine"]
    assert len(openai_stub.requests) == 2


def test_5xx_retries_back_off_exponentially(openai_stub: OpenAIStub) -> None:
    openai_stub.reply(Reply(status=500), Reply(status=503), "recovered")
    assert make_llm(openai_stub, max_retries=2).complete(MESSAGES) == "recovered"
    first, second, third = (r.at for r in openai_stub.requests)
    # openai: 0.5 s * 2**n, minus up to 25 % jitter: 0.375-0.5 s, then 0.75-1 s.
    assert second - first >= 0.3
    assert third - second > second - first


def test_retries_run_out_on_5xx(openai_stub: OpenAIStub) -> None:
    openai_stub.reply(*[Reply(status=500, headers=FAST_RETRY)] * 2)
    message = llm_error(lambda: make_llm(openai_stub, max_retries=1).complete(MESSAGES))
    assert "server error 500 after 2 tries" in message
    assert len(openai_stub.requests) == 2


def test_retries_run_out_on_429(openai_stub: OpenAIStub) -> None:
    openai_stub.reply(*[Reply(status=429, headers=FAST_RETRY)] * 2)
    message = llm_error(lambda: list(make_llm(openai_stub, max_retries=1).stream_chat(MESSAGES)))
    assert "rate-limiting (429)" in message


def test_timeout_names_the_setting(openai_stub: OpenAIStub) -> None:
    openai_stub.reply(Reply(text="too late", delay=10))
    started = time.monotonic()
    message = llm_error(lambda: list(make_llm(openai_stub, timeout_s=0.5).stream_chat(MESSAGES)))
    assert time.monotonic() - started < 5
    assert "did not answer within 0.5 s" in message and "PAPERLIGHT_LLM_TIMEOUT_S" in message


def test_timeout_in_the_middle_of_a_stream(openai_stub: OpenAIStub) -> None:
    openai_stub.reply(Reply(chunks=["a", "b", "c"], stall_after=2, delay=10))
    received: list[str] = []

    def consume() -> None:
        for delta in make_llm(openai_stub, timeout_s=0.5).stream_chat(MESSAGES):
            received.append(delta)

    assert "PAPERLIGHT_LLM_TIMEOUT_S" in llm_error(consume)
    assert received == ["a"]  # what arrived before the stall was delivered


@pytest.mark.parametrize("stream", [True, False])
@pytest.mark.parametrize("raw", ["{not json", '{"unexpected": "shape"}'])
def test_malformed_reply(openai_stub: OpenAIStub, stream: bool, raw: str) -> None:
    openai_stub.reply(Reply(raw=raw))
    llm = make_llm(openai_stub)
    call = (lambda: list(llm.stream_chat(MESSAGES))) if stream else (lambda: llm.complete(MESSAGES))
    message = llm_error(call)
    assert "OpenAI" in message and openai_stub.url in message


@pytest.mark.parametrize("stream", [True, False])
def test_empty_reply(openai_stub: OpenAIStub, stream: bool) -> None:
    openai_stub.reply(Reply(text="", chunks=[]))
    llm = make_llm(openai_stub)
    call = (lambda: list(llm.stream_chat(MESSAGES))) if stream else (lambda: llm.complete(MESSAGES))
    assert "empty reply" in llm_error(call)


def test_other_4xx_carries_the_server_message(openai_stub: OpenAIStub) -> None:
    openai_stub.reply(Reply(status=400, error="context length exceeded: 9000 > 4096"))
    message = llm_error(lambda: make_llm(openai_stub).complete(MESSAGES))
    assert "400" in message and "context length exceeded" in message


# ---------------------------------------------------------------- from settings


def test_no_llm_configured_means_none(settings: Settings) -> None:
    assert LLM.from_settings(settings) is None


def test_base_url_without_model_is_an_error(settings: Settings) -> None:
    configured = settings.model_copy(update={"llm_base_url": "http://127.0.0.1:1/v1"})
    assert "PAPERLIGHT_LLM_MODEL" in llm_error(lambda: LLM.from_settings(configured))


def test_from_settings_uses_every_llm_setting(settings: Settings, openai_stub: OpenAIStub) -> None:
    configured = settings.model_copy(
        update={
            "llm_base_url": openai_stub.url,
            "llm_model": "local-model",
            "llm_api_key": SecretStr("sk-local"),
            "llm_timeout_s": 7.0,
            "llm_max_retries": 0,
        }
    )
    llm = LLM.from_settings(configured)
    assert llm is not None
    assert (llm.base_url, llm.model, llm.timeout_s, llm.max_retries) == (
        openai_stub.url,
        "local-model",
        7.0,
        0,
    )
    openai_stub.reply("ok")
    assert llm.complete(MESSAGES) == "ok"
    assert openai_stub.requests[0].headers["Authorization"] == "Bearer sk-local"
    assert openai_stub.requests[0].body["model"] == "local-model"


def test_openai_key_alone_means_openais_endpoint() -> None:
    # Settings has no openai_api_key field yet; from_settings reads it when there is one.
    settings = SimpleNamespace(
        llm_base_url="",
        llm_model="",
        llm_api_key=SecretStr(""),
        openai_api_key=SecretStr("sk-openai"),
        llm_timeout_s=60.0,
        llm_max_retries=2,
    )
    llm = LLM.from_settings(settings)  # type: ignore[arg-type]
    assert llm is not None
    assert (llm.base_url, llm.model) == (OPENAI_BASE_URL, DEFAULT_OPENAI_MODEL)
