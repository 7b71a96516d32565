"""Public certificate codes: unguessable, typed by a person, checked before lookup.

A code is 15 random symbols and a check symbol, shown as four groups of four
(``7KQM-X2PD-HV9T-C4RW``). The alphabet has 31 symbols: digits 2-9 and the capital
letters without I, L and O, so 0/O and 1/I/L cannot be confused. 15 random symbols
give about 74 bits, far too many to enumerate.

The check symbol makes the weighted sum ``sum(position * value)`` over the 16
symbols divisible by 31. As 31 is prime and every weight is below 31, any single
wrong symbol and any swap of two neighbouring symbols change that sum, so typing
mistakes are caught without a database lookup.
"""

import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
BASE = len(ALPHABET)  # 31, a prime
RANDOM_LENGTH = 15
LENGTH = RANDOM_LENGTH + 1
GROUP = 4
_VALUE = {symbol: value for value, symbol in enumerate(ALPHABET)}
# What people type for a symbol the alphabet leaves out.
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _weighted_sum(values) -> int:
    return sum(position * value for position, value in enumerate(values, start=1))


def check_symbol(body: str) -> str:
    """The symbol that completes ``body`` (15 symbols) into a valid code."""
    total = _weighted_sum(_VALUE[symbol] for symbol in body)
    # LENGTH * check + total ≡ 0 (mod 31)
    check = (-total * pow(LENGTH, -1, BASE)) % BASE
    return ALPHABET[check]


def code_generate(randbelow=secrets.randbelow) -> str:
    """A new code, without dashes (16 symbols)."""
    body = "".join(ALPHABET[randbelow(BASE)] for _ in range(RANDOM_LENGTH))
    return body + check_symbol(body)


def code_normalize(text: str) -> str:
    """Upper case, without spaces or dashes; look-alike letters folded to the
    digits they resemble, which are not in the alphabet either, so the code fails
    its check rather than matching another one."""
    text = "".join(ch for ch in (text or "").upper() if ch not in " -\u2010\u2011")
    return text.translate(_LOOKALIKES)


def code_is_valid(code: str) -> bool:
    """Whether a normalised code has the right length, alphabet and check symbol."""
    if len(code) != LENGTH or any(symbol not in _VALUE for symbol in code):
        return False
    return _weighted_sum(_VALUE[symbol] for symbol in code) % BASE == 0


def code_format(code: str) -> str:
    """``7KQMX2PDHV9TC4RW`` → ``7KQM-X2PD-HV9T-C4RW``."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))
