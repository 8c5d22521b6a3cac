"""Reduce an inbound email or chat message to the newest author's request.

Quoted threads, forwarded headers, signatures, disclaimers, greetings and HTML are removed.
"""

from __future__ import annotations

import html
import re

# Reply/forward headers, signature delimiters, device footers and disclaimers: the message is
# cut at the earliest of them, since everything after belongs to someone else or is boilerplate.
_REPLY_VERB = (
    r"(?:wrote|schrieb|a\s+écrit|escribió|ha\s+scritto|escreveu|schreef|skrev|kirjoitti"
    r"|napisał(?:\(a\))?)"
)
_CUT_ALTERNATIVES = (
    # "On Mon, Jan 1, 2024 at 10:00 AM John <j@x.com> wrote:", Gmail may wrap it onto two lines.
    rf"(?:On|Am|Le|El|Il|Em|Op|Den|Dnia|Dne)\b[^\n]{{1,250}}?(?:\n[^\n]{{1,250}}?)?"
    rf"\b{_REPLY_VERB}\b[^\n]{{0,250}}?:[ \t]*$",
    rf"[^\n]{{0,250}}?[\w.+-]+@[\w-]+(?:\.[\w-]+)+>?[^\n]{{0,40}}?\b{_REPLY_VERB}\b"
    r"[^\n]{0,40}?:[ \t]*$",
    r"-{2,}[ \t]*(?:Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original"
    r"|Messaggio originale|Oorspronkelijk bericht|Forwarded message|Weitergeleitete Nachricht"
    r"|Message transféré|Mensaje reenviado|Messaggio inoltrato|Mensagem encaminhada)[ \t]*-{2,}",
    r"(?:Begin forwarded message|Anfang der weitergeleiteten Nachricht|Début du message réenvoyé):",
    # Outlook header block: a From line with a Sent/Subject line shortly after it.
    r"\*?(?:From|Von|De|Da|Van|Från|Fra|Od)[ \t*]*:[^\n]*\n(?:[^\n]*\n){0,3}?[ \t>*]*"
    r"(?:Sent|Subject|Gesendet|Betreff|Envoyé|Objet|Enviado|Asunto|Inviato|Oggetto|Verzonden"
    r"|Onderwerp|Skickat|Ämne|Sendt|Emne|Wysłano|Temat)[ \t*]*:",
    r"_{10,}[ \t]*$",
    r"--[ \t]*$",
    r"(?:Sent from my|Sent from (?:Outlook|Mail for Windows|Yahoo Mail)|Get Outlook for"
    r"|Sent with Proton Mail|Von meinem|Gesendet von meinem|Envoyé de mon|Envoyé depuis mon"
    r"|Enviado desde mi|Enviado do meu|Inviato da(?:l mio)?|Verzonden (?:vanaf|met) mijn"
    r"|Skickat från min|Sendt fra min)\b[^\n]{0,60}$",
    r"(?:CONFIDENTIALITY NOTICE|Confidentiality Notice|DISCLAIMER|Disclaimer)[ \t]*(?::|$)",
    r"(?:This|The information (?:contained )?in this) (?:e-?mail|message|communication)\b"
    r"[^\n]{0,80}?\b(?:confidential|privileged|intended (?:solely|only))",
    r"If you (?:are not the intended recipient|have received this [^\n]{0,40}?in error)",
    r"(?:You (?:are receiving|received) this (?:e-?mail|message)|If you no longer wish to receive"
    r"|To unsubscribe,? (?:click|visit|reply|send|go|use|email)|Click here to unsubscribe"
    r"|Unsubscribe(?:[ \t]*$|[ \t]*[|:<]| here)|Please consider the environment before printing)",
)
_CUT = re.compile(r"^[ \t>*]*(?:" + "|".join(_CUT_ALTERNATIVES) + ")", re.MULTILINE)

_QUOTED_LINE = re.compile(r"^[ \t]*>.*(?:\n|$)", re.MULTILINE)

# Uppercase letters of Latin-1 as well, for names such as "Ömer" or "Élodie".
_UPPER = "A-Z\u00c0-\u00d6\u00d8-\u00de"
_SIGN_OFF = re.compile(
    r"(?i:(?:many |big )?thanks|thank you|cheers|regards|best|all the best|best wishes"
    r"|(?:warm|kind|best|warmest|kindest) regards|with (?:kind |best )?regards|sincerely"
    r"|yours(?: truly| sincerely| faithfully)?|respectfully|take care"
    r"|mit freundlichen grü(?:ß|ss)en|(?:viele|liebe|beste|freundliche) grü(?:ß|ss)e"
    r"|grü(?:ß|ss)e|gru(?:ß|ss)|danke|vielen dank|cordialement|bien cordialement"
    r"|bien à vous|salutations|merci(?: d'avance| beaucoup)?|saludos|un saludo|atentamente"
    r"|gracias|muchas gracias|cordiali saluti|saluti|grazie|atenciosamente|obrigad[oa]"
    r"|met vriendelijke groet(?:en)?|groeten|bedankt|(?:med )?vänliga hälsningar|hälsningar"
    r"|mvh|(?:med )?venlig hilsen|hilsen|pozdrawiam|z poważaniem)"
    r"(?i:\s+(?:in advance|so much|very much|again|a lot"
    r"|for (?:your|the) (?:help|time|support|assistance|patience)))?"
    rf"[ \t]*[,.!]*(?:[ \t]+[{_UPPER}][\w.'-]*(?:[ \t]+[{_UPPER}][\w.'-]*){{0,2}})?[ \t]*[,.!]*"
)
# Abbreviated sign-offs ("LG", "BR") only count alone on their line: "LG OLED55" is a product.
_SHORT_SIGN_OFF = re.compile(r"(?i:lg|vg|mfg|br|kr|ty|thx)[ \t]*[,.!]*")
_DASHES = "-\u2013\u2014~"
_DASH_NAME = re.compile(rf"[{_DASHES}][ \t]?[{_UPPER}][\w.'-]*(?:[ \t][{_UPPER}][\w.'-]*){{0,2}}")
_SIGNATURE_MAX_LINES = 6
_SIGNATURE_LINE_CHARS = 60

_GREETING = re.compile(
    r"(?i:hi|hello|hey|hiya|dear|good (?:morning|afternoon|evening)|greetings|hallo|guten tag"
    r"|sehr geehrte[rs]?|liebe[rs]?|moin|bonjour|bonsoir|salut|hola|buenos días|buenas tardes"
    r"|estimad[oa]s?|ciao|buongiorno|gentile|olá|bom dia|hej|hei|goedendag|dzień dobry)"
    rf"(?:[ \t]+(?:[{_UPPER}][\w.'/-]*|(?i:team|there|all|everyone|sir|madam|or|and|support|folks"
    r"|guys|customer|service|care|friends|damen|und|herren|madame|monsieur))){0,4}"
    r"[ \t]*[,!.:]*"
)

_HTML_HINT = re.compile(
    r"</?(?:html|body|div|p|br|span|table|td|tr|a|b|i|strong|em|font|blockquote|ul|ol|li|h\d)"
    r"(?:\s[^<>]*)?/?>",
    re.IGNORECASE,
)
_HTML_DROP = re.compile(
    r"<(script|style|head)\b.*?</\1\s*>|<!--.*?-->|<blockquote\b.*</blockquote\s*>",
    re.IGNORECASE | re.DOTALL,
)
_HTML_BREAK = re.compile(r"<(?:br|/?p|/?div|/li|/tr|/h\d|hr)\b[^<>]*>", re.IGNORECASE)
# A tag name then attributes; "<jane@example.com>" is an address, not a tag.
_HTML_TAG = re.compile(r"</?[a-zA-Z][\w:-]*(?:\s[^<>]*)?/?>")
_ENTITY = re.compile(r"&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n{2,}")


def clean_message(text: str, *, max_chars: int = 2000) -> str:
    """Return the newest author's text of `text`, at most `max_chars` characters long."""
    plain = _to_plain(text)
    match = _CUT.search(plain)
    newest = plain[: match.start()] if match else plain
    newest = _QUOTED_LINE.sub("", newest)
    lines = _drop_leading_greeting(_drop_signature([line.strip() for line in newest.split("\n")]))
    result = _collapse("\n".join(lines))
    if not result:
        result = _collapse(plain) or text.strip()
    return _truncate(result, max_chars)


def _to_plain(text: str) -> str:
    """Strip HTML when present and normalise line endings and invisible characters."""
    if _HTML_HINT.search(text):
        text = _HTML_DROP.sub(" ", text)
        # Source newlines mean nothing in HTML; only block tags break lines.
        text = _HTML_BREAK.sub("\n", re.sub(r"\s+", " ", text))
        text = html.unescape(_HTML_TAG.sub("", text))
    elif _ENTITY.search(text):
        text = html.unescape(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    return _INVISIBLE.sub("", text)


def _drop_signature(lines: list[str]) -> list[str]:
    """Cut a trailing sign-off ("Best regards," + a few short name/title/phone lines)."""
    end = len(lines)
    while end and not lines[end - 1]:
        end -= 1
    # "- Dave" signs a message, unless it is the last item of a dashed list.
    listed = end > 1 and lines[end - 2][:1] in tuple(_DASHES)
    if end and _DASH_NAME.fullmatch(lines[end - 1]) and not listed:
        end -= 1
    seen = 0
    for index in range(end - 1, -1, -1):
        line = lines[index]
        if not line:
            continue
        if _SIGN_OFF.fullmatch(line) or _SHORT_SIGN_OFF.fullmatch(line):
            return lines[:index]
        seen += 1
        if seen >= _SIGNATURE_MAX_LINES or _is_sentence(line):
            break
    return lines[:end]


def _is_sentence(line: str) -> bool:
    """Signature lines are short labels (name, title, phone); sentences belong to the body."""
    if len(line) > _SIGNATURE_LINE_CHARS or line.endswith("?"):
        return True
    return line.endswith((".", "!")) and len(line.split()) >= 4


def _drop_leading_greeting(lines: list[str]) -> list[str]:
    """Remove the first non-empty line when it is only a greeting ("Hi team,")."""
    for index, line in enumerate(lines):
        if line:
            return lines[index + 1 :] if _GREETING.fullmatch(line) else lines[index:]
    return lines


def _collapse(text: str) -> str:
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n", text).strip()


def _truncate(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    head = text[: max_chars + 1]
    cut = max(head.rfind(" "), head.rfind("\n"))
    # A single huge token has no word boundary worth keeping; cut it hard.
    return (head[:cut] if cut > max_chars // 2 else text[:max_chars]).rstrip()
