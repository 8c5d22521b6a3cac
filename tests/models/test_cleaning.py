"""Reducing inbound emails and chats to the newest author's request."""

from __future__ import annotations

import pytest

from models.cleaning import clean_message

GMAIL_REPLY = """Hi team,

My order #A12345 still hasn't arrived. Can you tell me where it is? I need it before Friday.

Thanks,
John Smith

On Mon, Jan 1, 2024 at 10:00 AM Acme Support <support@acme.com> wrote:
> Hello John,
> Your order has shipped and should arrive within 3-5 business days.
> Best regards,
> Acme Support
"""

GMAIL_WRAPPED_HEADER = """The replacement charger does not work either, please send a refund.

On Tue, Mar 5, 2024 at 4:12 PM Acme Customer Care <
care@acme.com> wrote:

> We are sorry to hear that. A replacement is on its way.
"""

OUTLOOK_REPLY = """Hello,

Please cancel my subscription effective immediately and confirm by email.

Kind regards
Maria Garcia
Procurement Manager | Globex Ltd
Tel: +44 20 7946 0958

________________________________
From: Acme Billing <billing@acme.com>
Sent: Monday, March 4, 2024 9:15 AM
To: Maria Garcia <maria@globex.com>
Subject: Your invoice INV-2024-000123

Dear customer, your invoice is attached.
"""

OUTLOOK_NO_SEPARATOR = """Can you resend the invoice as PDF? The attachment was empty.

From: Acme Billing <billing@acme.com>
Sent: Monday, March 4, 2024 9:15 AM
To: Maria Garcia
Subject: Invoice

Please find attached your monthly invoice.
"""

ORIGINAL_MESSAGE = """I still have not received the refund you promised last week.

-----Original Message-----
From: support@acme.com
Sent: 28 February 2024 11:02
Subject: RE: Refund

The refund was approved and will arrive in 5 days.
"""

FORWARDED = """FYI - the courier left this note but no parcel was delivered. Can you investigate?

---------- Forwarded message ---------
From: DHL Express <noreply@dhl.com>
Date: Wed, Mar 6, 2024 at 8:01 AM
Subject: Your shipment was delivered
To: <jane@example.com>

Your shipment 1234567890 was delivered to the front door.
"""

SIGNATURE_DASHES = """The app crashes every time I open the settings page on Android 14.

--
Peter Novak
Senior Engineer, Initech
+1 (415) 555-0132 | peter@initech.com
"""

IPHONE = """Where is my package? Tracking shows no update since Monday.

Sent from my iPhone"""

SIGNATURE_TITLE = """Hi there!

We were billed $499 instead of $399 for the annual plan. Please refund the difference.

Best regards,
Anna Schmidt
Head of Operations
Initech GmbH
+49 30 901820
www.initech.example"""

DISCLAIMER = """Please update the delivery address on order 55121 to our new warehouse.

Regards,
Tom

CONFIDENTIALITY NOTICE: This e-mail message, including any attachments, is for the sole use
of the intended recipient(s) and may contain confidential and privileged information. Any
unauthorized review, use, disclosure or distribution is prohibited."""

DISCLAIMER_INLINE = """Our API key stopped working this morning, all calls return 401.

This email and any files transmitted with it are confidential and intended solely for the use
of the individual to whom they are addressed. If you have received this email in error please
notify the system manager."""

UNSUBSCRIBE_FOOTER = """The code SPRING20 from your newsletter is rejected at checkout.

You are receiving this email because you signed up at acme.example.
Click here to unsubscribe | Manage preferences"""

GERMAN_REPLY = """Hallo,

die Rechnung ist leider immer noch falsch, bitte korrigieren Sie den Betrag.

Viele Grüße
Klaus Weber

Am Mo., 4. März 2024 um 10:15 Uhr schrieb Acme Support <support@acme.de>:
> Sehr geehrter Herr Weber,
> wir haben die Rechnung korrigiert.
"""

FRENCH_REPLY = """Bonjour,

Je n'ai toujours pas reçu le remboursement.

Cordialement,
Claire

Le lun. 4 mars 2024 à 10:15, Acme Support <support@acme.fr> a écrit :
> Bonjour Claire, le remboursement est en cours.
"""

SPANISH_REPLY = """El pedido llegó incompleto, falta el cargador.

Saludos,
Lucía

El lun, 4 mar 2024 a las 10:15, Acme <soporte@acme.es> escribió:
> Hola Lucía, su pedido fue enviado.
"""

HTML_EMAIL = """<html><head><style>p {color: red}</style></head><body>
<div dir="ltr"><p>Hi&nbsp;team,</p><p>The discount code <b>SAVE10</b> doesn&#39;t apply
to my cart &amp; the total is wrong.</p><p>Thanks,<br>Lee</p></div>
<div class="gmail_quote"><div dir="ltr">On Fri, Mar 1, 2024 at 9:00 AM Acme &lt;news@acme.com&gt;
wrote:<br></div><blockquote class="gmail_quote">Use code SAVE10 for 10% off!</blockquote></div>
</body></html>"""

INLINE_QUOTES = """> Could you share the serial number of the device?
The serial number is SN-4471-XD, bought in January.
> And the purchase date?
It was January 14th."""

HYPHEN_LIST = """Hi,

I want to return these items from order 77812:
- blue jacket, size M
- running shoes
Thanks!
Sam"""

THANKS_THEN_QUESTION = """The invoice total is wrong.
Thanks!
Also, can you change my delivery address?"""

DEAR_SIR = """Dear Sir or Madam,

I am writing to complain about the repeated delays with my deliveries.

Yours faithfully,
R. Patel"""

# (message, text that must survive, text that must be gone)
CASES: list[tuple[str, list[str], list[str]]] = [
    (
        GMAIL_REPLY,
        ["My order #A12345 still hasn't arrived", "before Friday."],
        ["wrote:", "Hi team", "John Smith", "shipped"],
    ),
    (GMAIL_WRAPPED_HEADER, ["please send a refund."], ["care@acme.com", "replacement is on"]),
    (
        OUTLOOK_REPLY,
        ["Please cancel my subscription"],
        ["Hello", "Maria Garcia", "Procurement", "Billing", "invoice is attached"],
    ),
    (OUTLOOK_NO_SEPARATOR, ["resend the invoice as PDF?"], ["From:", "monthly invoice"]),
    (ORIGINAL_MESSAGE, ["not received the refund"], ["Original Message", "approved"]),
    (FORWARDED, ["Can you investigate?"], ["Forwarded", "front door", "noreply@dhl.com"]),
    (SIGNATURE_DASHES, ["crashes every time"], ["Peter Novak", "Initech", "555-0132"]),
    (IPHONE, ["Where is my package?", "since Monday."], ["iPhone"]),
    (
        SIGNATURE_TITLE,
        ["Please refund the difference."],
        ["Hi there", "Anna Schmidt", "Head of Operations", "+49"],
    ),
    (DISCLAIMER, ["new warehouse."], ["Tom", "CONFIDENTIALITY", "privileged"]),
    (DISCLAIMER_INLINE, ["return 401."], ["confidential", "in error"]),
    (
        UNSUBSCRIBE_FOOTER,
        ["SPRING20 from your newsletter is rejected"],
        ["unsubscribe", "receiving this email"],
    ),
    (
        GERMAN_REPLY,
        ["die Rechnung ist leider immer noch falsch"],
        ["Hallo", "Klaus", "schrieb", "korrigiert"],
    ),
    (
        FRENCH_REPLY,
        ["Je n'ai toujours pas reçu le remboursement."],
        ["Bonjour", "Claire", "a écrit", "en cours"],
    ),
    (SPANISH_REPLY, ["falta el cargador."], ["Lucía", "escribió", "enviado"]),
    (
        HTML_EMAIL,
        ["The discount code SAVE10 doesn't apply to my cart & the total is wrong."],
        ["<", "&nbsp;", "Lee", "10% off", "color"],
    ),
    (
        INLINE_QUOTES,
        ["SN-4471-XD", "January 14th."],
        ["> ", "serial number of the device", "purchase date"],
    ),
    (HYPHEN_LIST, ["- blue jacket, size M\n- running shoes"], ["Sam"]),
    (THANKS_THEN_QUESTION, ["invoice total is wrong", "change my delivery address?"], []),
    (DEAR_SIR, ["complain about the repeated delays"], ["Dear Sir", "Patel", "faithfully"]),
]


def test_case_table_is_large() -> None:
    assert len(CASES) >= 20


@pytest.mark.parametrize(("message", "kept", "dropped"), CASES)
def test_clean_message_keeps_the_newest_request_only(
    message: str, kept: list[str], dropped: list[str]
) -> None:
    cleaned = clean_message(message)
    for text in kept:
        assert text in cleaned
    for text in dropped:
        assert text not in cleaned


@pytest.mark.parametrize(
    "message",
    [
        "hi, my card was charged twice for order 5512, can u check?",
        "Where is my refund??",
        "Your delivery code is 4471. Reply STOP to opt out",
        "Can I change the size of my order from M to L before it ships?",
        "I want to unsubscribe from the newsletter but the link is broken.",
        "Thanks",
    ],
)
def test_plain_chat_and_sms_lines_are_unchanged(message: str) -> None:
    assert clean_message(message) == message


def test_short_lines_after_a_sign_off_stay_when_they_are_sentences() -> None:
    message = "The box was wet.\nThanks!\nAlso the manual is missing from the box."
    assert clean_message(message) == message
    assert clean_message("My TV broke.\nModel:\nLG OLED55") == "My TV broke.\nModel:\nLG OLED55"
    assert clean_message("Paket fehlt.\n\nLG\nÖmer") == "Paket fehlt."


def test_greeting_on_its_own_line_is_removed() -> None:
    assert clean_message("Hey there!\nMy login fails with error 403.") == (
        "My login fails with error 403."
    )
    assert clean_message("Hi, my login fails with error 403.") == (
        "Hi, my login fails with error 403."
    )


def test_whitespace_is_collapsed() -> None:
    message = "The  screen\t\tflickers.\r\n\r\n\r\n   It started   after the update. \u200b"
    assert clean_message(message) == "The screen flickers.\nIt started after the update."


def test_message_that_cleans_to_nothing_falls_back_to_the_original() -> None:
    quoted_only = "On Mon, Jan 1, 2024 at 10:00 AM Bob <b@x.com> wrote:\n> old text"
    assert clean_message(quoted_only) == (
        "On Mon, Jan 1, 2024 at 10:00 AM Bob <b@x.com> wrote:\n> old text"
    )
    assert clean_message("   ") == ""


def test_result_is_truncated_at_a_word_boundary() -> None:
    message = "word " * 1000
    cleaned = clean_message(message, max_chars=103)
    assert len(cleaned) <= 103
    assert cleaned.endswith("word")
    assert clean_message("x" * 500, max_chars=100) == "x" * 100
