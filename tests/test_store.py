"""The Qdrant store: one client per folder, schema and embedding model recorded, payloads."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from paperlight.config import Settings
from paperlight.errors import StoreError
from paperlight.models import Passage, Span
from paperlight.store import Store, passage_payload, payload_passage


def test_model_recorded_and_mismatch_refused(settings: Settings) -> None:
    store = Store(settings)
    try:
        store.ensure_schema("model-a", 8)
        store.ensure_schema("model-a", 8)  # same model: fine
        assert store.meta()["embedding_model"] == "model-a"
        with pytest.raises(StoreError, match="model-a.*re-index"):
            store.ensure_schema("model-b", 8)
    finally:
        store.close()


def test_second_process_gets_a_clear_message(settings: Settings) -> None:
    folder = settings.qdrant_dir
    folder.mkdir(parents=True)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from qdrant_client import QdrantClient; "
         f"c = QdrantClient(path={str(folder)!r}); print('open', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(StoreError, match="in use by another paperlight process"):
            Store(settings)
    finally:
        holder.kill()
        holder.wait()
    time.sleep(0.2)
    Store(settings).close()  # free again once the other process is gone


def test_unreachable_server_gets_a_clear_message(settings: Settings) -> None:
    remote = settings.model_copy(update={"qdrant_url": "http://127.0.0.1:9"})
    with pytest.raises(StoreError, match="Cannot reach the Qdrant server at http://127.0.0.1:9"):
        Store(remote)


def test_passage_payload_round_trip() -> None:
    passage = Passage(
        id="00000000-0000-0000-0000-000000000001",
        paper_id="abc",
        section="2 Methods",
        kind="text",
        text="We used GPUs.",
        spans=(Span(0, 2, 3, ((10.0, 20.0, 22.5, 30.0),)), Span(3, 7, 4, ((1.0, 2.0, 3.0, 4.0),))),
        order=7,
    )
    assert payload_passage(passage_payload(passage)) == passage


def test_library_folder_is_created(settings: Settings, tmp_path: Path) -> None:
    store = Store(settings)
    store.close()
    assert settings.qdrant_dir.is_dir()
