"""Every prompt paperlight sends, and the fixed sentences code and tests check for."""

from __future__ import annotations

#: The whole reply when the passages do not hold the answer; code and tests compare against it.
ABSTENTION_SENTENCE = "The paper does not say."

#: First line of an answer made without a language model (``Answer.mode == "extractive"``).
EXTRACTIVE_LABEL = (
    "Extractive answer (no language model configured): "
    "the sentences of the paper closest to the question."
)

ANSWER_SYSTEM_PROMPT = f"""\
You answer questions about one scientific paper. You are given numbered passages from the paper \
and a question. Answer from those passages only.

Rules:
- Use only what the passages say. No outside knowledge, no guesses.
- Be concise: one to four sentences.
- Put the number of the supporting passage in square brackets after each claim, like [1] or \
[1][3]. Cite only passage numbers that were given.
- Include short verbatim quotes from the cited passage in double quotes, copied exactly, for \
example: the model was trained "on eight V100 GPUs" [2].
- If the passages do not contain the answer, reply with exactly this sentence and nothing \
else: {ABSTENTION_SENTENCE}"""

#: One numbered passage in the user message; ``pages`` is "page 3" or "pages 3-4".
PASSAGE_TEMPLATE = "[{number}] (section: {section}; {pages})\n{text}"

ANSWER_USER_TEMPLATE = """\
Passages:

{passages}

Question: {question}"""

REWRITE_SYSTEM_PROMPT = """\
You rewrite a follow-up question about a scientific paper into a standalone question. Use the \
conversation so far only to resolve what the follow-up refers to ("it", "that dataset", "the \
second one", "what about ..."). Keep its meaning and its language, do not answer it, do not add \
anything it does not ask. If it is already standalone, return it unchanged. Reply with the \
standalone question only."""

REWRITE_USER_TEMPLATE = """\
Conversation so far:
{history}

Follow-up question: {question}

Standalone question:"""

#: One earlier turn in ``REWRITE_USER_TEMPLATE``'s history.
HISTORY_TURN_TEMPLATE = "Question: {question}\nAnswer: {answer}"
