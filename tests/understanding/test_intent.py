"""Intent: every language, typos and run-on words, action requests over "where is it"."""

from __future__ import annotations

import pytest

from bot.understanding.intent import allowed_typos
from tests.understanding.components import components

WHERE = "where_is_my_order"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("where is my order??", WHERE),
        ("were is my pakage", WHERE),
        ("whereismyorder", WHERE),
        ("when will my parcel arrive", WHERE),
        ("it's been stuck in customs for weeks", WHERE),
        ("我的货到哪儿了", WHERE),
        ("我的貨到哪兒了", WHERE),
        ("donde esta mi paquete", WHERE),
        ("dondeestamipaquete", WHERE),
        ("cadê minha encomenda?", WHERE),
        ("où est mon colis ?", WHERE),
        ("wo bleibt mein Paket?", WHERE),
        ("وين طلبي؟", WHERE),
        ("can I talk to a real person", "human"),
        ("转人工", "human"),
        ("quero falar com um atendente", "human"),
        ("please cancel my order", "cancel_or_change"),
        ("地址写错了，能改一下吗", "cancel_or_change"),
        ("kann ich die Adresse noch ändern?", "cancel_or_change"),
        ("I want a refund", "refund_or_return"),
        ("quiero un reembolso", "refund_or_return"),
        ("ابغى استرجاع المبلغ", "refund_or_return"),
        ("hello", "greeting"),
        ("bonjour", "greeting"),
        ("السلام عليكم", "greeting"),
        ("thank you so much!", "thanks"),
        ("謝謝", "thanks"),
        ("danke schön", "thanks"),
        ("stop", "stop_updates"),
        ("STOP!", "stop_updates"),
        ("unsubscribe", "stop_updates"),
        ("不用了", "stop_updates"),
        ("no me manden más mensajes", "stop_updates"),
        ("do you sell phone cases?", "other"),
        ("ok", "other"),
        ("😂😂", "other"),
    ],
)
def test_intent_is_read_in_every_language(text, intent):
    assert components().intent(text).intent.value == intent


def test_an_action_request_outranks_where_is_my_order():
    assert (
        components().intent("it never arrived, I want a refund").intent.value == "refund_or_return"
    )
    assert components().intent("where is my refund?").intent.value == "refund_or_return"
    assert components().intent("cancel it, it is taking forever").intent.value == "cancel_or_change"


def test_a_greeting_or_thanks_with_a_question_is_the_question():
    assert components().intent("hi, where is my order?").intent.value == WHERE
    assert components().intent("thanks, but when will it arrive?").intent.value == WHERE


def test_a_message_with_only_a_number_asks_where_that_parcel_is():
    assert components().intent("", has_numbers=True).intent.value == WHERE
    assert components().intent("hi ", has_numbers=True).intent.value == WHERE


def test_stop_counts_only_as_the_whole_message_or_with_updates():
    assert components().intent("the tracking stopped updating").intent.value == WHERE
    assert components().intent("para mi hermana, dónde está el pedido?").intent.value == WHERE


@pytest.mark.parametrize(
    "text",
    [
        "it says delivered but I didn't get anything",
        "Tracking shows delivered yesterday. I never received it.",
        "显示已签收但是我没收到",
        "顯示已簽收但是我沒收到",
        "dice entregado pero no lo recibí",
        "consta como entregue mas não recebi nada",
        "Colissimo indique livré mais je n'ai rien reçu",
        "Laut Sendungsverfolgung zugestellt, aber ich habe nichts erhalten",
        "مكتوب تم التوصيل بس ما استلمت شي",
    ],
)
def test_delivered_but_not_received_is_flagged(text):
    reading = components().intent(text)
    assert (reading.intent.value, reading.delivered_not_received) == (WHERE, True)


@pytest.mark.parametrize(
    "text",
    [
        "it hasn't been delivered and I didn't get any email",
        "not received yet",
        "delivered, thanks!",
        "还没收到",
    ],
)
def test_not_received_without_a_delivered_claim_is_not_the_delivered_case(text):
    assert components().intent(text).delivered_not_received is False


def test_typo_tolerance_grows_with_word_length():
    assert [allowed_typos(word) for word in ("hi", "were", "order", "pakage")] == [0, 1, 1, 2]


def test_run_on_words_split_only_into_plausible_words():
    speller = components().speller
    assert speller.split_run_on("whereismyorder") == ["where", "is", "my", "order"]
    assert speller.split_run_on("camiseta") == ["camiseta"]
