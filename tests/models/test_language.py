"""Language identification of short, noisy customer messages."""

from __future__ import annotations

import pytest

from models.language import DEFAULT_LANGUAGES, LanguageDetector, LanguageGuess


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


MESSAGES: list[tuple[str, str]] = [
    ("en", "Hi, my order hasn't arrived yet. Can you check where it is?"),
    ("en", "I was charged twice for the same subscription this month, please refund one."),
    ("en", "How do I reset my password? The link in the email has expired."),
    ("en", "Where is my refund?"),
    ("es", "Hola, mi pedido no ha llegado todavía, ¿pueden ayudarme?"),
    ("es", "Quiero cancelar mi suscripción y que me devuelvan el dinero."),
    ("es", "El producto llegó roto, ¿cómo puedo devolverlo?"),
    ("fr", "Bonjour, je n'ai toujours pas reçu ma commande."),
    ("fr", "Pouvez-vous m'envoyer une facture pour mon dernier achat ?"),
    ("fr", "Mon colis est arrivé endommagé, je voudrais un remboursement."),
    ("de", "Hallo, meine Bestellung ist noch nicht angekommen."),
    ("de", "Ich möchte mein Abonnement kündigen. Wie geht das?"),
    ("de", "Die Rechnung ist falsch, mir wurde zu viel berechnet."),
    ("it", "Ciao, il mio ordine non è ancora arrivato."),
    ("it", "Vorrei sapere quando verrà spedito il mio pacco."),
    ("it", "Ho ricevuto un articolo sbagliato, come posso restituirlo?"),
    ("pt", "Olá, o meu pedido ainda não chegou."),
    ("pt", "Não consigo entrar na minha conta, podem me ajudar?"),
    ("nl", "Hallo, mijn bestelling is nog niet aangekomen."),
    ("nl", "Ik wil graag mijn abonnement opzeggen, hoe doe ik dat?"),
    ("pl", "Dzień dobry, moje zamówienie jeszcze nie dotarło."),
    ("pl", "Chciałbym zwrócić produkt, bo jest uszkodzony."),
    ("sv", "Hej, min beställning har inte kommit än."),
    ("sv", "Jag vill avsluta mitt abonnemang, hur gör jag?"),
    ("da", "Hej, min ordre er ikke ankommet endnu."),
    ("da", "Jeg vil gerne have pengene tilbage for den ødelagte vare."),
    ("nb", "Hei, bestillingen min har ikke kommet ennå."),
    ("nb", "Jeg ønsker å si opp abonnementet mitt, hvordan gjør jeg det?"),
    ("fi", "Hei, tilaukseni ei ole vielä saapunut."),
    ("fi", "Haluaisin palauttaa tuotteen, koska se on rikki."),
    ("tr", "Merhaba, siparişim hâlâ gelmedi."),
    ("tr", "Aboneliğimi iptal etmek istiyorum, nasıl yapabilirim?"),  # noqa: RUF001
    ("ru", "Здравствуйте, мой заказ ещё не пришёл."),
    ("ru", "Я хочу вернуть товар, он пришёл сломанным."),
    ("uk", "Добрий день, моє замовлення ще не прийшло."),
    ("uk", "Я хочу скасувати підписку, як це зробити?"),
    ("cs", "Dobrý den, moje objednávka ještě nedorazila."),
    ("ro", "Bună ziua, comanda mea nu a sosit încă."),
    ("hu", "Jó napot, a rendelésem még nem érkezett meg."),
    ("el", "Γεια σας, η παραγγελία μου δεν έχει φτάσει ακόμα."),
    ("ar", "مرحبا، لم يصل طلبي بعد، هل يمكنكم المساعدة؟"),
    ("he", "שלום, ההזמנה שלי עדיין לא הגיעה."),
    ("hi", "नमस्ते, मेरा ऑर्डर अभी तक नहीं आया है।"),
    ("ja", "こんにちは、注文した商品がまだ届いていません。"),
    ("ko", "안녕하세요, 주문한 상품이 아직 도착하지 않았습니다."),
    ("zh", "你好，我的订单还没有到，请帮我查一下。"),  # noqa: RUF001
    ("id", "Halo, pesanan saya belum sampai sampai sekarang."),
    ("vi", "Xin chào, đơn hàng của tôi vẫn chưa được giao."),
    ("th", "สวัสดีครับ สินค้าที่สั่งยังไม่ได้รับเลยครับ"),
    ("es", "Gracias"),
    ("fr", "Bonjour"),
    ("pt", "Obrigado pela ajuda!"),
]


def test_message_table_covers_at_least_ten_languages() -> None:
    assert len(MESSAGES) >= 30
    assert len({label for label, _ in MESSAGES}) >= 10


@pytest.mark.parametrize(("expected", "text"), MESSAGES)
def test_detects_short_customer_messages(
    detector: LanguageDetector, expected: str, text: str
) -> None:
    guess = detector.detect(text)
    assert guess.label == expected
    assert 0.0 < guess.confidence <= 1.0


@pytest.mark.parametrize(
    "text",
    [
        "Order #A12345 placed on 2024-03-15, tracking 1Z999AA10123456784 still not moving.",
        "Hi team,\n\nI ordered item SKU-88231-XL (order 100234987) on 03/02/2024 and paid "
        "$1,299.99 via card ending 4242. The tracking link https://track.example.com/1Z999AA1 "
        "still says label created. Please email me at jane.doe@example.com.\n\nThanks, Jane",
        "RE: [Ticket #88213] Refund for INV-2024-000123 / PO 7781-A",
    ],
)
def test_english_emails_full_of_ids_and_links_are_english(
    detector: LanguageDetector, text: str
) -> None:
    assert detector.detect(text).label == "en"


@pytest.mark.parametrize(
    "text",
    ["", "   \n\t", "12345", "#A12345 2024-03-15 $19.99", "https://x.com/a/b?c=1", "ok", "?!"],
)
def test_empty_or_letterless_text_is_undetermined(detector: LanguageDetector, text: str) -> None:
    assert detector.detect(text) == LanguageGuess("und", 0.0)


def test_mixed_content_follows_the_dominant_language(detector: LanguageDetector) -> None:
    text = (
        "Guten Tag, ich habe am 12.03. die Bestellung 4471-XD aufgegeben "
        "(https://shop.example.de/orders/4471) und noch keine Versandbestätigung bekommen. "
        "Product: Wireless Headphones Pro."
    )
    assert detector.detect(text).label == "de"
    assert detector.detect("Hola! Order #5512 http://x.co/5512 todavía no llega").label == "es"


def test_detect_many_matches_detect_one_by_one(detector: LanguageDetector) -> None:
    texts = [text for _, text in MESSAGES[:12]] + ["", "1234"]
    batch = detector.detect_many(texts)
    single = [detector.detect(text) for text in texts]
    assert [g.label for g in batch] == [g.label for g in single]
    assert [g.confidence for g in batch] == pytest.approx([g.confidence for g in single])
    assert detector.detect_many([]) == []


def test_restricted_language_set_only_answers_within_it() -> None:
    narrow = LanguageDetector(["en", "de"], preload=False)
    assert narrow.detect("Hallo, meine Bestellung ist noch nicht angekommen.").label == "de"
    assert narrow.detect("Bonjour, je n'ai pas reçu ma commande.").label in {"en", "de"}


def test_high_accuracy_mode_handles_single_words() -> None:
    precise = LanguageDetector(["en", "fr", "de"], high_accuracy=True)
    assert precise.detect("Thanks!").label == "en"


def test_unknown_language_code_is_rejected() -> None:
    with pytest.raises(ValueError):
        LanguageDetector(["en", "xx"])


def test_default_set_has_common_customer_service_languages() -> None:
    assert {"en", "es", "fr", "de", "pt", "ja", "zh", "ar"} <= set(DEFAULT_LANGUAGES)


@pytest.mark.parametrize(
    "text", ["Order status", "refund pls", "cancel order", "need invoice", "track my parcel"]
)
def test_short_english_requests_are_english(text: str) -> None:
    assert LanguageDetector().detect(text).label == "en"


def test_a_short_foreign_phrase_is_not_forced_to_english() -> None:
    assert LanguageDetector().detect("merci beaucoup").label == "fr"
