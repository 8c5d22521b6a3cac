"""The prompts each task sends an external model: what they carry, what they leave out, and how
a classification answer is checked against the allowed labels."""

from __future__ import annotations

import pytest

from routing import prompts
from routing.contract import ChatMessage, Source, TaskContext
from store.errors import BadInput

REFUNDS = Source(id="a1", kind="article", title="Refunds and returns", score=0.71)
REFUND_BODY = "Refunds reach the original payment method within 5 business days."
LABELS = {"intent": ["refund", "shipping", "other"], "category": ["billing", "logistics"]}


def draft_context(**fields: object) -> TaskContext:
    values: dict[str, object] = {
        "org_id": "org",
        "task": "draft",
        "text": "Where is my refund for order #48213?",
        "customer_name": "Casey Jones",
        "knowledge": [(REFUNDS, REFUND_BODY)],
        "entities": {"order_number": "48213"},
    }
    values.update(fields)
    return TaskContext(**values)  # type: ignore[arg-type]


def test_a_draft_prompt_is_a_system_brief_and_the_customers_latest_message() -> None:
    messages = prompts.draft_messages(draft_context(), company="Acme Shoes")
    assert [m.role for m in messages] == ["system", "user"]
    system, user = messages[0].content, messages[1].content
    assert user == "Where is my refund for order #48213?"
    assert "support agent for Acme Shoes" in system
    assert "Customer name: Casey Jones" in system
    assert "order_number=48213" in system
    assert "[1] Refunds and returns" in system and REFUND_BODY in system
    assert "never invent policies" in system


def test_a_draft_prompt_without_knowledge_says_so_and_names_no_company() -> None:
    system = prompts.draft_messages(draft_context(knowledge=[]))[0].content
    assert "the company" in system
    assert "none match this message" in system


def test_commerce_data_appears_only_when_present() -> None:
    without = prompts.draft_messages(draft_context())[0].content
    assert "Store data" not in without
    commerce = {"order": {"id": "48213", "status": "refunded", "total": "$89.00"}}
    system = prompts.draft_messages(draft_context(commerce=commerce))[0].content
    assert "Store data for this customer" in system and '"status": "refunded"' in system


def test_history_is_a_short_transcript_of_the_last_turns() -> None:
    history = [ChatMessage("user" if i % 2 == 0 else "assistant", f"turn {i}") for i in range(10)]
    history.insert(0, ChatMessage("system", "hidden"))
    system = prompts.draft_messages(draft_context(history=history))[0].content
    assert "Customer: turn 4" in system and "Agent: turn 9" in system
    assert "turn 3" not in system and "hidden" not in system


def test_long_bodies_are_cut_to_keep_the_prompt_compact() -> None:
    body = "word " * 2000
    system = prompts.draft_messages(draft_context(knowledge=[(REFUNDS, body)]))[0].content
    assert len(system) < prompts.KNOWLEDGE_CHARS + 1500
    assert "…" in system


def test_a_summary_prompt_uses_the_text_or_else_the_conversation() -> None:
    text = prompts.summarize_messages(TaskContext("org", "summarize", text="Long story."))
    assert text[1].content == "Long story."
    history = [ChatMessage("user", "My parcel is late"), ChatMessage("assistant", "Checking")]
    chat = prompts.summarize_messages(TaskContext("org", "summarize", history=history))
    assert chat[1].content == "Customer: My parcel is late\nAgent: Checking"
    assert "three sentences" in chat[0].content


def test_a_translation_prompt_names_both_languages_and_needs_a_target() -> None:
    context = TaskContext("org", "translate", text="Hola", source_language="es")
    with pytest.raises(BadInput):
        prompts.translate_messages(context)
    context.target_language = "English"
    system, user = prompts.translate_messages(context)
    assert "from es into English" in system.content and user.content == "Hola"


def test_a_classification_prompt_lists_every_allowed_label() -> None:
    system, user = prompts.classify_messages("Where is my money?", LABELS)
    assert '["refund", "shipping", "other"]' in system.content
    assert '["billing", "logistics"]' in system.content
    assert '{"intent": "...", "category": "..."}' in system.content
    assert user.content == "Where is my money?"
    with pytest.raises(BadInput):
        prompts.classify_messages("x", {"intent": []})


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ('{"intent": "refund", "category": "billing"}',
         {"intent": "refund", "category": "billing"}),
        ('Sure!\n```json\n{"intent": "Refund", "category": " LOGISTICS "}\n```',
         {"intent": "refund", "category": "logistics"}),
        ('{"intent": "complaint", "category": "billing"}', {"category": "billing"}),
        ('{"intent": 3}', {}),
        ("I think it is a refund.", {}),
        ("{not json}", {}),
        ('["refund"]', {}),
    ],
)  # fmt: skip
def test_a_classification_answer_keeps_only_allowed_labels(
    answer: str, expected: dict[str, str]
) -> None:
    assert prompts.parse_classification(answer, LABELS) == expected
