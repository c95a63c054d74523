"""paperlight.answering: prompts, grounding of citations and quotes, abstention, extractive mode."""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

import numpy as np
import pytest
from openai_stub import OpenAIStub, Reply, openai_stub_fixture  # noqa: F401  (a fixture)
from test_evidence import line_box, make_passage

from paperlight import prompts
from paperlight.answering import answer, build_messages, ground, is_abstention, rewrite_question
from paperlight.config import Settings
from paperlight.errors import LLMError
from paperlight.llm import LLM
from paperlight.models import Passage, ScoredPassage


class HashingEmbedder:
    """Bag of words hashed into 512 dimensions: deterministic, offline, good enough to rank
    sentences by shared words. Stands in for paperlight.embedding where it is incidental."""

    dim = 512
    model_id = "test-hashing"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self.embed_query(t) for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dim, dtype=np.float32)
        for word in re.findall(r"[a-z0-9]+", text.lower()):
            vector[zlib.crc32(word.encode()) % self.dim] += 1.0
        norm = np.linalg.norm(vector)
        return vector / norm if norm else vector


TRAINING = make_passage(
    [
        (5, 72, 100, "We train all models on eight NVIDIA V100 GPUs for three days."),
        (5, 72, 112, "The batch size is 32 and the learning rate is 0.001."),
        (5, 72, 124, "Training uses the Adam optimizer with linear warm-up."),
    ],
    section="4 Experiments",
    pid="training",
)
CODE = make_passage(
    [
        (1, 72, 400, "We present a method to build citation graphs from scientific papers."),
        (1, 72, 412, "Our code is available at github.com/example/graphs under an MIT licence."),
    ],
    section="Abstract",
    pid="code",
)
RELATED = make_passage(
    [
        (2, 72, 300, "Devlin et al. (2019) introduced BERT for language understanding."),
        (2, 72, 312, "Graph neural networks were used for citation recommendation."),
    ],
    section="2 Related Work",
    pid="related",
)


def scored(*passages: Passage) -> list[ScoredPassage]:
    return [ScoredPassage(p, score=1.0 - i / 10, rank=i + 1) for i, p in enumerate(passages)]


PASSAGES = scored(TRAINING, CODE, RELATED)
QUESTION = "Which hardware was used to train the model?"


@pytest.fixture
def llm(openai_stub: OpenAIStub) -> LLM:
    return LLM(base_url=openai_stub.url, model="stub-model", timeout_s=5, max_retries=0)


def ask(reply: str, llm: LLM, stub: OpenAIStub, settings: Settings, **kwargs):
    stub.reply(reply)
    return answer(QUESTION, PASSAGES, 0.9, settings, HashingEmbedder(), llm=llm, **kwargs)


# ---------------------------------------------------------------- prompt


def test_prompt_holds_numbered_passages_and_question(
    llm: LLM, openai_stub: OpenAIStub, settings: Settings
) -> None:
    ask("They used GPUs [1].", llm, openai_stub, settings)
    (request,) = openai_stub.requests
    system, user = request.messages
    assert system["role"] == "system" and prompts.ABSTENTION_SENTENCE in system["content"]
    text = user["content"]
    assert text.rstrip().endswith(QUESTION)
    for n, passage in enumerate([TRAINING, CODE, RELATED], start=1):
        header = text.index(f"[{n}] (section: {passage.section}; page {passage.pages[0]})")
        assert text.index(passage.text) > header
    assert text.index("[1]") < text.index("[2]") < text.index("[3]")


def test_messages_label_a_passage_over_two_pages() -> None:
    both = make_passage([(3, 72, 700, "Ends one page"), (4, 72, 80, "and starts another.")])
    (_, user) = build_messages("Q?", scored(both))
    assert "pages 3-4" in user["content"]


# ---------------------------------------------------------------- grounding


def test_tokens_stream_to_the_callback(
    llm: LLM, openai_stub: OpenAIStub, settings: Settings
) -> None:
    tokens: list[str] = []
    reply = 'They trained on "eight NVIDIA V100 GPUs" [1].'
    result = ask(reply, llm, openai_stub, settings, on_token=tokens.append)
    assert len(tokens) > 3 and "".join(tokens) == reply
    assert result.mode == "llm" and result.model == "stub-model"
    assert "first_token_s" in result.timings and "llm_s" in result.timings


def test_citations_are_parsed_and_aligned(
    llm: LLM, openai_stub: OpenAIStub, settings: Settings
) -> None:
    reply = 'The models were trained on "eight NVIDIA V100 GPUs" [1]. The code is public [2].'
    result = ask(reply, llm, openai_stub, settings)
    assert not result.abstained
    assert result.text == reply
    assert [c.marker for c in result.citations] == [1, 2]
    hardware, code = result.citations
    assert (hardware.passage_id, hardware.section) == ("training", "4 Experiments")
    assert hardware.quote == "eight NVIDIA V100 GPUs"
    (span,) = hardware.spans
    assert span.text == "We train all models on eight NVIDIA V100 GPUs for three days."
    assert span.page == 5 and span.boxes == (line_box(72, 100, span.text),)
    # No quote for [2]: the claim is aligned to the sentence it rests on.
    assert code.passage_id == "code"
    assert [s.text for s in code.spans] == [
        "Our code is available at github.com/example/graphs under an MIT licence."
    ]
    assert code.quote == code.spans[0].text


def test_marker_groups_and_ranges(llm: LLM, openai_stub: OpenAIStub, settings: Settings) -> None:
    result = ask("GPUs and code [1, 2]; related work [1-3].", llm, openai_stub, settings)
    assert [c.marker for c in result.citations] == [1, 2, 3]
    assert "[1, 2]" in result.text and "[1, 2, 3]" in result.text


def test_marker_variants(llm: LLM, openai_stub: OpenAIStub, settings: Settings) -> None:
    result = ask("Code is public [Passage 2], unlike in [2019].", llm, openai_stub, settings)
    assert result.text == "Code is public [2], unlike in [2019]."
    assert [c.marker for c in result.citations] == [2]


def test_invented_citation_is_dropped(
    llm: LLM, openai_stub: OpenAIStub, settings: Settings
) -> None:
    reply = "They used eight GPUs [1][9]. It took three days [9]. The optimizer was Adam [1, 7]."
    result = ask(reply, llm, openai_stub, settings)
    assert [c.marker for c in result.citations] == [1]
    expected = "They used eight GPUs [1]. It took three days. The optimizer was Adam [1]."
    assert result.text == expected


def test_quote_not_in_the_passage_is_dropped(
    llm: LLM, openai_stub: OpenAIStub, settings: Settings
) -> None:
    reply = 'The model was trained "on sixteen TPU v3 chips for a week" [1].'
    result = ask(reply, llm, openai_stub, settings)
    (citation,) = result.citations
    assert "TPU" not in citation.quote
    assert '"on sixteen TPU v3 chips' not in result.text  # no longer presented as the paper's
    assert "on sixteen TPU v3 chips for a week [1]" in result.text


def test_near_verbatim_quote_is_repaired(
    llm: LLM, openai_stub: OpenAIStub, settings: Settings
) -> None:
    reply = 'The models ran "on eight Nvidia V100 GPU for three day" [1].'
    result = ask(reply, llm, openai_stub, settings)
    (citation,) = result.citations
    assert citation.quote == "on eight NVIDIA V100 GPUs for three days."
    assert '"on eight NVIDIA V100 GPUs for three days."' in result.text
    assert citation.spans[0].text.startswith("We train all models")


def test_quote_is_checked_against_the_cited_passage_only(
    llm: LLM, openai_stub: OpenAIStub, settings: Settings
) -> None:
    # Verbatim, but from passage 2 while citing 1: not what [1] says.
    result = ask('They say "Our code is available" [1].', llm, openai_stub, settings)
    assert result.citations[0].quote != "Our code is available"


def test_quote_after_the_full_stop_marker(
    llm: LLM, openai_stub: OpenAIStub, settings: Settings
) -> None:
    result = ask('Training took "three days". [1]', llm, openai_stub, settings)
    assert result.citations[0].quote == "three days"


@pytest.mark.parametrize(
    "reply",
    [
        prompts.ABSTENTION_SENTENCE,
        f"  {prompts.ABSTENTION_SENTENCE}\n",
        f"{prompts.ABSTENTION_SENTENCE} It only mentions GPUs [1].",
        "<think>Nothing about hardware.</think>The paper does not say",
    ],
)
def test_abstention_sentence_is_recognised(
    reply: str, llm: LLM, openai_stub: OpenAIStub, settings: Settings
) -> None:
    result = ask(reply, llm, openai_stub, settings)
    assert result.abstained and result.text == prompts.ABSTENTION_SENTENCE
    assert result.citations == [] and result.passages == PASSAGES


def test_is_abstention_needs_the_sentence_first() -> None:
    assert not is_abstention("The GPUs are V100 [1]; the paper does not say how many.")


def test_gate_abstains_below_threshold_without_calling_the_llm(
    llm: LLM, openai_stub: OpenAIStub, settings: Settings
) -> None:
    strict = settings.model_copy(update={"abstain_threshold": 0.5})
    tokens: list[str] = []
    result = answer(QUESTION, PASSAGES, 0.2, strict, HashingEmbedder(), llm, tokens.append)
    assert result.abstained and result.text == prompts.ABSTENTION_SENTENCE
    assert result.passages == PASSAGES  # shown to the reader as "not the answer"
    assert result.citations == [] and openai_stub.requests == []
    assert tokens == [prompts.ABSTENTION_SENTENCE]
    openai_stub.reply("Eight GPUs [1].")
    at_threshold = answer(QUESTION, PASSAGES, 0.5, strict, HashingEmbedder(), llm)
    assert not at_threshold.abstained and len(openai_stub.requests) == 1


def test_no_passages_abstains(settings: Settings) -> None:
    result = answer(QUESTION, [], 1.0, settings, HashingEmbedder())
    assert result.abstained and result.mode == "extractive"


def test_llm_failure_raises_llm_error(
    llm: LLM, openai_stub: OpenAIStub, settings: Settings
) -> None:
    openai_stub.reply(Reply(status=401))
    with pytest.raises(LLMError, match="API key"):
        answer(QUESTION, PASSAGES, 0.9, settings, HashingEmbedder(), llm=llm)


def test_ground_without_embedder() -> None:
    text, citations = ground("Adam is the optimizer [1].", [TRAINING])
    assert text == "Adam is the optimizer [1]."
    assert citations[0].spans[0].text.startswith("Training uses the Adam optimizer")


# ---------------------------------------------------------------- extractive mode


@pytest.mark.parametrize("embedder", [HashingEmbedder(), None])
def test_extractive_picks_the_sentence_not_the_passage(settings: Settings, embedder) -> None:
    passages = scored(CODE, TRAINING, RELATED)
    tokens: list[str] = []
    result = answer(QUESTION, passages, 0.9, settings, embedder, on_token=tokens.append)
    assert result.mode == "extractive" and not result.abstained and result.model == ""
    assert result.text.startswith(prompts.EXTRACTIVE_LABEL)
    best = "We train all models on eight NVIDIA V100 GPUs for three days."
    first_line = result.text.split("\n\n", 1)[1].splitlines()[0]
    assert first_line == f'"{best}" [2]'
    assert "batch size" not in result.text and "Adam" not in result.text
    first = result.citations[0]
    assert (first.marker, first.passage_id, first.quote) == (2, "training", best)
    assert first.spans[0].boxes == (line_box(72, 100, best),)
    assert tokens == [result.text]


def test_extractive_answers_at_most_three_sentences(settings: Settings) -> None:
    line = "The GPU cluster number {} trained the model quickly."
    many = make_passage([(1, 72, 100 + 12 * i, line.format(i)) for i in range(6)])
    result = answer(QUESTION, scored(many), 0.9, settings, HashingEmbedder())
    sentences = result.text.split("\n\n", 1)[1].splitlines()
    assert 1 <= len(sentences) <= 3
    assert all(s.endswith("[1]") for s in sentences)
    assert len(result.citations) == 1 and len(result.citations[0].spans) == len(sentences)


# ---------------------------------------------------------------- follow-up rewrite


def test_rewrite_uses_history(llm: LLM, openai_stub: OpenAIStub) -> None:
    openai_stub.reply("Standalone question: How long was BERT trained?")
    history = [("Which model do they fine-tune?", "They fine-tune BERT [1].")]
    rewritten = rewrite_question("How long was it trained?", history, llm)
    assert rewritten == "How long was BERT trained?"
    prompt = openai_stub.requests[0].prompt
    assert prompts.REWRITE_SYSTEM_PROMPT in prompt
    assert "They fine-tune BERT" in prompt and "How long was it trained?" in prompt


def test_rewrite_without_llm_or_history_keeps_the_question(
    llm: LLM, openai_stub: OpenAIStub
) -> None:
    assert rewrite_question("How long?", [("Q", "A")], None) == "How long?"
    assert rewrite_question("How long?", [], llm) == "How long?"
    assert openai_stub.requests == []
