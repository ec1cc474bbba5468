"""The content detectors' validators: a Python twin of each function core's TypeScript table names
(packages/core/src/content/secret-rules.ts, personal-data-rules.ts), answering as it does for every string.

A validator gets the value a detector's pattern matched and answers whether it is a finding (Luhn, mod 97,
entropy, a JWT's header, national identifiers' checksums, …). Where JavaScript counts a string in UTF-16 code
units (``length``, indexing, ``charCodeAt``) so do these: a value is first read as code units (``units``: each
character above U+FFFF as its surrogate pair); where JavaScript iterates code points (``for … of``, ``new Set``)
the pairs are read back as one. JavaScript's ``%`` (the sign of the dividend), ``Number("")`` (0), an index past
the end (``undefined``) and NaN are followed where a TypeScript validator meets them.

``VALIDATORS`` maps each TypeScript function's name to its twin: the generated table (_content_table.py) names
validators by it, and scripts/content-python.ts fails when a validator of the table has no twin here.
packages/sdk-python/tests/test_screen.py holds every twin to what TypeScript answers (screen-vectors.json).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Callable
from typing import Final

__all__ = ["VALIDATORS", "is_high_entropy_token", "is_jwt", "is_placeholder", "luhn_valid", "shannon_entropy", "units", "verhoeff_valid"]

_NON_BMP: Final = re.compile("[\U00010000-\U0010ffff]")
_SURROGATE: Final = re.compile("[\ud800-\udfff]")


def _pair(match: re.Match[str]) -> str:
    point = ord(match.group()) - 0x10000
    return chr(0xD800 + (point >> 10)) + chr(0xDC00 + (point & 0x3FF))


def units(text: str) -> str:
    """``text`` as JavaScript holds it: one character per UTF-16 code unit (a character above U+FFFF as its
    surrogate pair). Text with no such character is answered as it is."""
    if text.isascii() or _NON_BMP.search(text) is None:
        return text
    return _NON_BMP.sub(_pair, text)


def code_points(text: str) -> str:
    """Code units read back as characters: every surrogate pair as the one character it encodes; a lone
    surrogate stays as it is. The inverse of ``units``."""
    if text.isascii() or _SURROGATE.search(text) is None:
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def _at(text: str, index: int) -> str | None:
    """``text[index]`` as JavaScript reads it: ``undefined`` (None) outside the string, never from the end."""
    return text[index] if 0 <= index < len(text) else None


def _rem(a: int, b: int) -> int:
    """JavaScript's ``a % b`` on integers: the remainder takes the dividend's sign."""
    rest = abs(a) % abs(b)
    return -rest if a < 0 else rest


_JS_SPACE: Final = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_DECIMAL: Final = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_RADIX: Final = re.compile(r"0(?:[xX][0-9a-fA-F]+|[oO][0-7]+|[bB][01]+)", re.ASCII)


def _number(text: str | None) -> float:
    """JavaScript's ``Number(text)`` (``undefined``: NaN): blank is 0, decimal, 0x/0o/0b, ±Infinity; else NaN."""
    if text is None:
        return math.nan
    body = text.strip(_JS_SPACE)
    if body == "":
        return 0
    if _DECIMAL.fullmatch(body):
        return float(body)
    if _RADIX.fullmatch(body):
        return int(body, 0)
    return {"Infinity": math.inf, "+Infinity": math.inf, "-Infinity": -math.inf}.get(body, math.nan)


_NOT_DIGIT: Final = re.compile(r"[^0-9]")
_DIGIT_OR_LETTER: Final = re.compile(r"[0-9A-Za-z]")


def _digits_of(value: str) -> str:
    return _NOT_DIGIT.sub("", value)


def _same_separators(value: str) -> bool:
    """Every separator in ``value`` is the same character (or there is none): ``new Set`` counts code points."""
    return len(set(code_points(_DIGIT_OR_LETTER.sub("", value)))) <= 1


# ── Secrets ─────────────────────────────────────────────────────────────────────────────────────


def not_aws_example_key_id(value: str) -> bool:
    """``notAwsExampleKeyId``: not AWS's documentation example of an access key id (…EXAMPLE)."""
    return not value.endswith("EXAMPLE")


def _mixed_case(value: str) -> bool:
    return re.search(r"[A-Z]", value) is not None and re.search(r"[a-z]", value) is not None and re.search(r"[0-9+/]", value) is not None


def aws_secret_access_key_valid(value: str) -> bool:
    """``awsSecretAccessKeyValid``: mixed case and a digit, and not AWS's documentation example (…EXAMPLEKEY)."""
    return _mixed_case(value) and not value.endswith("EXAMPLEKEY")


_PLACEHOLDER_MASK: Final = re.compile("(?:\\*{1,256}|x{3,256}|X{3,256}|\\.{2,256}|\u2026)")
_ENVIRONMENT_REFERENCE: Final = re.compile(r"\$[A-Za-z_][A-Za-z0-9_]{0,255}")


def is_placeholder(value: str) -> bool:
    """``isPlaceholder``: a value that stands for a password rather than being one (masks, template and environment references)."""
    value = units(value)
    if _PLACEHOLDER_MASK.fullmatch(value):
        return True
    first = _at(value, 0)
    last = _at(value, len(value) - 1)
    if (first == "<" and last == ">") or (first == "{" and last == "}") or (first == "%" and last == "%"):
        return True
    if value.startswith("${") or value.startswith("{{"):
        return True
    return _ENVIRONMENT_REFERENCE.fullmatch(value) is not None


def not_placeholder(value: str) -> bool:
    """``notPlaceholder``."""
    return not is_placeholder(value)


_PLACEHOLDER_PASSWORDS: Final = ("password", "passwd", "secret", "changeit", "changeme", "example", "placeholder", "33f!!lloppa", "hal+9ooo_da!sy")
_ASCII_LOWER: Final = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_CHARACTER_KINDS: Final = (re.compile(r"[a-z]"), re.compile(r"[A-Z]"), re.compile(r"[0-9]"), re.compile(r"[^A-Za-z0-9]"))


_CLOSING_PUNCTUATION: Final = re.compile(r"[.,;:!?)]+\Z")


def password_valid(value: str) -> bool:
    """``passwordValid``: not a placeholder, not a shell expansion or bracketed stand-in (a first ``$``, ``[`` or
    ``(``), and, closing punctuation left out, not a word written in a password's place and two kinds of
    character of lower, upper, digit, other."""
    value = units(value)
    if is_placeholder(value) or value[:1] in ("$", "[", "("):
        return False
    body = _CLOSING_PUNCTUATION.sub("", value, count=1)
    if body.translate(_ASCII_LOWER) in _PLACEHOLDER_PASSWORDS:
        return False
    return sum(1 for kind in _CHARACTER_KINDS if kind.search(body)) >= 2


def header_credential_valid(value: str) -> bool:
    """``headerCredentialValid``: not a placeholder, and holding a digit."""
    value = units(value)
    return not is_placeholder(value) and re.search(r"[0-9]", value) is not None


def shannon_entropy(value: str) -> float:
    """``shannonEntropy``: bits per character over the frequencies of its code points, divided (as JavaScript does)
    by its length in UTF-16 code units."""
    value = units(value)
    if value == "":
        return 0.0
    counts: dict[str, int] = {}
    for char in code_points(value):
        counts[char] = counts.get(char, 0) + 1
    bits = 0.0
    for count in counts.values():
        p = count / len(value)
        bits -= p * math.log2(p)
    return bits


def not_low_entropy(value: str) -> bool:
    """``notLowEntropy``: at least 2.5 bits per character (not a mask, not a few characters repeated in runs)."""
    return shannon_entropy(value) >= 2.5


HIGH_ENTROPY_MIN_LENGTH: Final = 20
HEX_ENTROPY_THRESHOLD: Final = 3.0
BASE64_ENTROPY_THRESHOLD: Final = 3.75
_FILE_SIGNATURES: Final = ("iVBORw0KGgo", "/9j/", "R0lGOD", "UklGR", "JVBERi0", "UEsDB", "H4sI")
_PADDING: Final = re.compile(r"={1,2}\Z")


def is_high_entropy_token(value: str) -> bool:
    """``isHighEntropyToken``: the generic rule's test of a token (docs/content-detectors.md)."""
    body = _PADDING.sub("", units(value), count=1)
    if len(body) < HIGH_ENTROPY_MIN_LENGTH or "=" in body or body.startswith("/"):
        return False
    if any(body.startswith(signature) for signature in _FILE_SIGNATURES):
        return False
    digit = re.search(r"[0-9]", body) is not None
    if re.fullmatch(r"[0-9a-fA-F]+", body):
        return digit and re.search(r"[a-fA-F]", body) is not None and shannon_entropy(body) >= HEX_ENTROPY_THRESHOLD
    if not re.fullmatch(r"[A-Za-z0-9+/]+", body) and not re.fullmatch(r"[A-Za-z0-9_-]+", body):
        return False
    return digit and re.search(r"[A-Z]", body) is not None and re.search(r"[a-z]", body) is not None and shannon_entropy(body) >= BASE64_ENTROPY_THRESHOLD


# atob (Node's): ASCII whitespace skipped, `=` only at the end and at most two, none when the rest is not a
# multiple of 4; one character too many (a remainder of 1) refused; the bits past the last byte dropped.
_ATOB_SPACE: Final = frozenset("\t\n\f\r ")
_ATOB_ALPHABET: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


def _atob(data: str) -> str | None:
    """JavaScript's ``atob`` in Node: the bytes as Latin-1 text, or None where it throws."""
    count = 0
    equals = 0
    for char in data:
        if char in _ATOB_SPACE:
            continue
        count += 1
        if char == "=":
            equals += 1
            if equals > 2:
                return None
        elif char not in _ATOB_ALPHABET or equals:
            return None
    remainder = count % 4
    if remainder == 0:
        remainder = (count - equals) % 4
    elif equals:
        return None
    if remainder == 1:
        return None
    body = "".join(char for char in data if char in _ATOB_ALPHABET)
    whole = len(body) - len(body) % 4
    out = base64.b64decode(body[:whole]) if whole else b""
    rest = body[whole:]
    if rest:
        # 2 characters carry one byte, 3 carry two: the bits past them are dropped, as Node does.
        out += binascii.a2b_base64((rest + "A" * (4 - len(rest))).encode("ascii"))[: len(rest) - 1]
    return out.decode("latin-1")


def _refuse_constant(name: str) -> object:
    raise ValueError(f"JSON.parse does not read {name}")


_JSON_TOKEN: Final = re.compile(
    r'[ \t\n\r]*(?:(?P<punct>[{}\[\]:,])|(?P<string>"(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*")'
    r"|(?P<number>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)|(?P<word>true|false|null))"
)


def _alg_is_string_iteratively(text: str) -> bool:
    """The check of ``_jwt_header_has_alg`` without recursion, for a header nested deeper than Python's json
    module goes (JavaScript's JSON.parse goes much deeper): whether ``text`` is valid JSON whose top level is an
    object whose last ``alg`` member is a string."""
    stack: list[str] = []  # "{" or "[" per open container
    expect = "value"  # value | key | colon | comma_or_close | key_or_close | value_or_close
    alg_is_string: bool | None = None
    top_key: str | None = None
    at = 0
    while True:
        match = _JSON_TOKEN.match(text, at)
        if match is None:
            return stack == [] and expect == "done" and bool(alg_is_string) and text[at:].strip(" \t\n\r") == ""
        at = match.end()
        punct, string = match.group("punct"), match.group("string")
        if expect == "done":
            return False
        if expect in ("key", "key_or_close"):
            if punct == "}" and expect == "key_or_close":
                stack.pop()
                expect = "comma_or_close" if stack else "done"
                continue
            if string is None:
                return False
            if len(stack) == 1:
                top_key = json.loads(string)
            expect = "colon"
            continue
        if expect == "colon":
            if punct != ":":
                return False
            expect = "value"
            continue
        if expect == "comma_or_close":
            if punct == ",":
                expect = "key" if stack[-1] == "{" else "value"
            elif punct == ("}" if stack[-1] == "{" else "]"):
                stack.pop()
                expect = "comma_or_close" if stack else "done"
            else:
                return False
            continue
        # a value (or, right after "[", the close)
        if punct == "]" and expect == "value_or_close":
            stack.pop()
            expect = "comma_or_close" if stack else "done"
            continue
        if not stack and punct != "{":
            return False  # a top level that is not an object: no `alg` (arrays included)
        if len(stack) == 1 and top_key == "alg":
            alg_is_string = string is not None
        if punct in ("{", "["):
            stack.append(punct)
            expect = "key_or_close" if punct == "{" else "value_or_close"
        elif punct is not None:
            return False
        else:
            expect = "comma_or_close"


def _jwt_header_has_alg(text: str) -> bool:
    try:
        parsed = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        return _alg_is_string_iteratively(text)
    except ValueError:
        return False
    return isinstance(parsed, dict) and isinstance(parsed.get("alg"), str)


def is_jwt(value: str) -> bool:
    """``isJwt``: the first part (base64url) decodes to a JSON object with a string ``alg``."""
    value = units(value)
    header = value[: value.find(".")]
    base64_text = header.replace("-", "+").replace("_", "/")
    decoded = _atob(base64_text + "=" * ((4 - len(base64_text) % 4) % 4))
    return decoded is not None and _jwt_header_has_alg(decoded)


_JWT_SHAPE: Final = re.compile(r"eyJ[\w-]{10,4096}\.[\w-]{2,16384}\.[\w-]*", re.ASCII)


def is_base64_jwt(value: str) -> bool:
    """``isBase64Jwt``: the value decodes (atob) to the three base64url parts of a JWT whose header passes is_jwt."""
    decoded = _atob(units(value))
    return decoded is not None and _JWT_SHAPE.fullmatch(decoded) is not None and is_jwt(decoded)


# ── Personal data ───────────────────────────────────────────────────────────────────────────────


def luhn_valid(digits: str) -> bool:
    """``luhnValid``: Luhn (ISO/IEC 7812-1 mod 10) over a string of digits."""
    digits = units(digits)
    total = 0
    double = False
    for char in reversed(digits):
        digit = ord(char) - 48
        if double:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
        double = not double
    return _rem(total, 10) == 0


def _decimal_mod(digits: str, m: int) -> int:
    rest = 0
    for char in digits:
        rest = _rem(rest * 10 + (ord(char) - 48), m)
    return rest


_VERHOEFF_D: Final = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_VERHOEFF_P: Final = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 7, 6, 0, 8),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)


def _table(rows: tuple[tuple[int, ...], ...], row: int, column: int) -> int | None:
    """``rows[row]?.[column]``: None (``undefined``) outside the table."""
    return rows[row][column] if 0 <= row < len(rows) and 0 <= column < len(rows[row]) else None


def verhoeff_valid(digits: str) -> bool:
    """``verhoeffValid``: Verhoeff's dihedral-group check (Aadhaar's last digit)."""
    digits = units(digits)
    check = 0
    for i in range(len(digits)):
        digit = ord(digits[len(digits) - 1 - i]) - 48
        permuted = _table(_VERHOEFF_P, i % 8, digit)
        found = _table(_VERHOEFF_D, check, 0 if permuted is None else permuted)
        check = 0 if found is None else found
    return check == 0


_IMAGE_EXTENSIONS: Final = frozenset({"png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "ico", "bmp", "tif", "tiff"})


def email_valid(value: str) -> bool:
    """``emailValid``: no leading, trailing or double dot in the local part, no empty label or label edged
    with ``-``, and not an image's name (``icon@2x.png``)."""
    value = units(value)
    at = value.rfind("@")
    local = value[:at]  # JavaScript's slice(0, -1) when there is no @: all but the last
    labels = value[at + 1 :].split(".")
    if local.startswith(".") or local.endswith(".") or ".." in local:
        return False
    if any(label == "" or label.startswith("-") or label.endswith("-") for label in labels):
        return False
    return code_points(labels[-1]).lower() not in _IMAGE_EXTENSIONS


def phone_valid(value: str) -> bool:
    """``phoneValid``: international 8–15 digits; trunk-0 national 10–11 in groups with one kind of separator;
    North American 10, with parentheses or two equal separators; one pair of parentheses at most."""
    value = units(value)
    digits = len(_digits_of(value))
    opening = value.find("(")
    closing = value.find(")")
    if opening != value.rfind("(") or closing != value.rfind(")") or (opening < 0) != (closing < 0) or closing < opening:
        return False
    if value.startswith("+"):
        return 8 <= digits <= 15
    separators = re.sub(r"[0-9()]", "", value)
    if value.startswith("0"):
        return digits in (10, 11) and len(separators) > 0 and _same_separators(re.sub(r"[()]", "", value))
    return digits == 10 and (opening == 0 or (len(separators) == 2 and _same_separators(value)))


#: Issuer identification number ranges (ISO/IEC 7812) and the lengths each network issues.
_CARD_ISSUERS: Final[tuple[tuple[tuple[tuple[str, str], ...], tuple[int, ...]], ...]] = (
    ((("4", "4"),), (13, 16, 19)),  # Visa
    ((("51", "55"), ("2221", "2720")), (16,)),  # Mastercard
    ((("34", "34"), ("37", "37")), (15,)),  # American Express
    ((("6011", "6011"), ("644", "649"), ("65", "65")), (16, 17, 18, 19)),  # Discover
    ((("300", "305"), ("3095", "3095"), ("36", "36"), ("38", "39")), (14, 15, 16, 17, 18, 19)),  # Diners Club
    ((("3528", "3589"),), (16, 17, 18, 19)),  # JCB
    ((("62", "62"),), (16, 17, 18, 19)),  # UnionPay
    ((("2200", "2204"),), (16, 17, 18, 19)),  # Mir
    (
        (("5018", "5018"), ("5020", "5020"), ("5038", "5038"), ("5893", "5893"), ("6304", "6304"), ("6759", "6759"), ("6761", "6763")),
        (13, 14, 15, 16, 17, 18, 19),
    ),  # Maestro
    ((("60", "60"), ("81", "82"), ("508", "508"), ("353", "353"), ("356", "356")), (16,)),  # RuPay
)


def _known_issuer(digits: str) -> bool:
    return any(
        len(digits) in lengths and any(_number(frm) <= _number(digits[: len(frm)]) <= _number(to) for frm, to in ranges) for ranges, lengths in _CARD_ISSUERS
    )


def card_valid(value: str) -> bool:
    """``cardValid``: one kind of separator, 13–19 digits, a known issuer's prefix and length, Luhn."""
    value = units(value)
    digits = _digits_of(value)
    return _same_separators(value) and 13 <= len(digits) <= 19 and _known_issuer(digits) and luhn_valid(digits)


_IBAN_REGISTRY: Final = (
    "AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DJ27 DK18 DO28 EE20 EG29 ES24 FI18 FK18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 "
    "GT28 HN28 HR21 HU28 IE22 IL23 IQ23 IS26 IT27 JO30 KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 LY25 MC27 MD24 ME22 MK19 MN20 MR27 MT31 MU30 NI28 NL18 NO15 OM23 PK24 "
    "PL28 PS29 PT25 QA29 RO24 RS22 RU33 SA24 SC31 SD18 SE24 SI19 SK24 SM27 SO23 ST25 SV28 TL23 TN24 TR26 UA29 VA22 VG24 XK20 YE30"
)
_IBAN_LENGTHS: Final = {entry[:2]: int(entry[2:]) for entry in _IBAN_REGISTRY.split(" ")}
_EVERY_FOUR: Final = re.compile("([^\n\r\u2028\u2029]{4})(?!\\Z)")


def iban_valid(value: str) -> bool:
    """``ibanValid``: the registered length of its country, spaced every four or not at all, ISO 7064 MOD 97-10."""
    value = units(value)
    compact = value.replace(" ", "")
    if _IBAN_LENGTHS.get(compact[:2]) != len(compact):
        return False
    if compact != value and value != _EVERY_FOUR.sub(r"\1 ", compact):
        return False
    rest = 0
    for char in code_points(compact[4:] + compact[:4]):
        code = ord(units(char)[0])
        number = code - 55 if code >= 65 else code - 48
        rest = _rem(rest * (100 if number >= 10 else 10) + number, 97)
    return rest == 1


def ssn_valid(value: str) -> bool:
    """``ssnValid``: area 001–899 but 666, group not 00, serial not 0000, not the two advertised numbers."""
    digits = _digits_of(units(value))
    area = _number(digits[:3])
    if area == 0 or area == 666 or area >= 900:
        return False
    if digits[3:5] == "00" or digits[5:] == "0000":
        return False
    return digits not in ("078051120", "219099999")


_NINO_NOT_ISSUED: Final = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})


def nino_issued(value: str) -> bool:
    """``ninoIssued``: a UK National Insurance number whose prefix HMRC issues."""
    return units(value)[:2] not in _NINO_NOT_ISSUED


def sin_valid(value: str) -> bool:
    """``sinValid``: one kind of separator, a first digit that names a region (not 0 or 8), Luhn."""
    value = units(value)
    digits = _digits_of(value)
    return _same_separators(value) and _at(digits, 0) not in ("0", "8") and luhn_valid(digits)


def nir_valid(value: str) -> bool:
    """``nirValid``: a month 01–12, 20–42 or 50+, and key = 97 − (number mod 97), Corsica's 2A/2B read as 19/18."""
    compact = units(value).replace(" ", "")
    month = _number(compact[3:5])
    if not ((1 <= month <= 12) or (20 <= month <= 42) or month >= 50):
        return False
    number = re.sub("2B", "18", re.sub("2A", "19", compact[:13], count=1, flags=re.ASCII | re.IGNORECASE), count=1, flags=re.ASCII | re.IGNORECASE)
    return 97 - _decimal_mod(number, 97) == _number(compact[13:])


def steuer_id_valid(value: str) -> bool:
    """``steuerIdValid``: in the first ten digits one repeated (twice, or three times not in a row), the others
    at most once; ISO 7064 MOD 11,10 check digit."""
    digits = _digits_of(units(value))
    counts = [0] * 10
    for char in digits[:10]:
        counts[int(char)] += 1
    repeated = [count for count in counts if count > 1]
    if len(repeated) != 1 or repeated[0] > 3:
        return False
    for i in range(2, 10):
        if _at(digits, i) == _at(digits, i - 1) and _at(digits, i) == _at(digits, i - 2):
            return False
    product = 10
    for char in digits[:10]:
        total = (int(char) + product) % 10
        if total == 0:
            total = 10
        product = (total * 2) % 11
    return (11 - product) % 10 == _number(_at(digits, 10))


_DNI_LETTERS: Final = "TRWAGMYFPDXBNJZSQVHLCKE"


def dni_valid(value: str) -> bool:
    """``dniValid``: 8 digits and the letter TRWAGMYFPDXBNJZSQVHLCKE[number mod 23]."""
    compact = units(value).replace("-", "", 1)
    return _at(_DNI_LETTERS, _decimal_mod(compact[:8], 23)) == _at(compact, 8)


def nie_valid(value: str) -> bool:
    """``nieValid``: X/Y/Z read as 0/1/2, 7 digits, the DNI letter of that number."""
    compact = units(value).replace("-", "")
    number = str("XYZ".find(_at(compact, 0) or "")) + compact[1:8]
    return _at(_DNI_LETTERS, _decimal_mod(number, 23)) == _at(compact, 8)


_CF_ODD: Final = (1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23)
_CF_OMOCODIA: Final = "LMNPQRSTUV"


def codice_fiscale_valid(value: str) -> bool:
    """``codiceFiscaleValid``: a day 1–31 (41–71 for women), omocodia letters read as digits, and the check letter."""
    value = units(value)
    day = _number("".join(str(_CF_OMOCODIA.index(char)) if char in _CF_OMOCODIA else char for char in value[9:11]))
    if not ((1 <= day <= 31) or (41 <= day <= 71)):
        return False
    if len(value) < 16:
        # JavaScript reads NaN past the end, and value[15] is undefined: never the check letter.
        return False
    total = 0
    for i in range(15):
        code = ord(value[i])
        index = code - 65 if code >= 65 else code - 48
        total += (_CF_ODD[index] if 0 <= index < len(_CF_ODD) else 0) if i % 2 == 0 else index
    return chr((65 + _rem(total, 26)) & 0xFFFF) == value[15]


def bsn_valid(value: str) -> bool:
    """``bsnValid``: the 11-test, 9·d1 + 8·d2 + … + 2·d8 − d9 ≡ 0 (mod 11), and not all zeros."""
    digits = _digits_of(units(value))
    if len(digits) < 9:
        return False  # a digit JavaScript reads past the end is NaN: no multiple of 11
    total = sum((9 - i) * int(digits[i]) for i in range(8)) - int(digits[8])
    return _rem(total, 11) == 0 and digits != "000000000"


def aadhaar_valid(value: str) -> bool:
    """``aadhaarValid``: one kind of separator, Verhoeff check digit."""
    value = units(value)
    return _same_separators(value) and verhoeff_valid(_digits_of(value))


def cpf_valid(value: str) -> bool:
    """``cpfValid``: two mod-11 check digits; eleven equal digits are not issued."""
    digits = _digits_of(units(value))
    if len(set(digits)) == 1:
        return False
    if len(digits) < 11:
        return False  # a digit JavaScript reads past the end is NaN: never equal

    def check(length: int) -> int:
        total = sum(int(digits[i]) * (length + 1 - i) for i in range(length))
        rest = (total * 10) % 11
        return 0 if rest == 10 else rest

    return check(9) == int(digits[9]) and check(10) == int(digits[10])


def npi_valid(value: str) -> bool:
    """``npiValid``: 10 digits, Luhn over the number prefixed with 80840 (the US health industry's issuer prefix)."""
    digits = _digits_of(units(value))
    return len(digits) == 10 and luhn_valid(f"80840{digits}")


_DEA_REGISTRANT_TYPES: Final = "ABCDEFGHJKLMPRSTUX"


def dea_valid(value: str) -> bool:
    """``deaValid``: a registrant-type letter, then 7 digits after the second place, the last = (d1 + d3 + d5 + 2·(d2 + d4 + d6)) mod 10."""
    upper = units(value).upper()
    if upper[:1] == "" or upper[0] not in _DEA_REGISTRANT_TYPES:
        return False
    rest = upper[2:]
    if len(rest) != 7 or not all("0" <= c <= "9" for c in rest):
        return False
    d = [int(c) for c in rest]
    return (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10 == d[6]


#: Each validator of core's table by its TypeScript function's name (the table's ``validator``).
VALIDATORS: Final[dict[str, Callable[[str], bool]]] = {
    "notAwsExampleKeyId": not_aws_example_key_id,
    "awsSecretAccessKeyValid": aws_secret_access_key_valid,
    "isHighEntropyToken": is_high_entropy_token,
    "notPlaceholder": not_placeholder,
    "passwordValid": password_valid,
    "headerCredentialValid": header_credential_valid,
    "notLowEntropy": not_low_entropy,
    "isBase64Jwt": is_base64_jwt,
    "isJwt": is_jwt,
    "emailValid": email_valid,
    "phoneValid": phone_valid,
    "cardValid": card_valid,
    "ibanValid": iban_valid,
    "ssnValid": ssn_valid,
    "ninoIssued": nino_issued,
    "sinValid": sin_valid,
    "nirValid": nir_valid,
    "steuerIdValid": steuer_id_valid,
    "dniValid": dni_valid,
    "nieValid": nie_valid,
    "codiceFiscaleValid": codice_fiscale_valid,
    "bsnValid": bsn_valid,
    "aadhaarValid": aadhaar_valid,
    "cpfValid": cpf_valid,
    "npiValid": npi_valid,
    "deaValid": dea_valid,
}
