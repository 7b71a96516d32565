"""Certificate codes: typed by people, checked before lookup, too many to guess."""

import random

from hypothesis import given
from hypothesis import strategies as st

from certificates import codes

bodies = st.text(alphabet=codes.ALPHABET, min_size=15, max_size=15)


@given(bodies)
def test_a_body_with_its_check_symbol_is_valid(body):
    code = body + codes.check_symbol(body)
    assert codes.code_is_valid(code)
    assert codes.code_is_valid(codes.code_normalize(codes.code_format(code).lower()))


@given(bodies, st.integers(0, 15), st.sampled_from(codes.ALPHABET))
def test_any_single_wrong_symbol_is_caught(body, position, symbol):
    code = body + codes.check_symbol(body)
    changed = code[:position] + symbol + code[position + 1 :]
    assert codes.code_is_valid(changed) == (changed == code)


@given(bodies, st.integers(0, 14))
def test_any_swap_of_neighbours_is_caught(body, position):
    code = body + codes.check_symbol(body)
    swapped = (
        code[:position] + code[position + 1] + code[position] + code[position + 2 :]
    )
    assert codes.code_is_valid(swapped) == (swapped == code)


def test_generated_codes_use_the_unambiguous_alphabet_and_are_grouped():
    code = codes.code_generate()
    assert len(code) == 16 and codes.code_is_valid(code)
    assert not set(code) & set("01OIL")
    assert len(codes.ALPHABET) == 31
    formatted = codes.code_format(code)
    assert formatted.count("-") == 3 and formatted.replace("-", "") == code


def test_codes_carry_about_74_random_bits():
    rng = random.Random(5)
    seen = {codes.code_generate(rng.randrange) for _ in range(2000)}
    assert len(seen) == 2000
    assert codes.BASE**codes.RANDOM_LENGTH > 2**74


def test_typed_look_alikes_fail_the_check_instead_of_matching_another_code():
    code = "23456789ABCDEFG" + codes.check_symbol("23456789ABCDEFG")
    assert codes.code_normalize(" 2345-6789 abcd-efg" + code[-1].lower()) == code
    # O and I are not in the alphabet: they fold to 0 and 1, which are not either.
    assert not codes.code_is_valid(codes.code_normalize("O" + code[1:]))
    assert not codes.code_is_valid(codes.code_normalize("I" + code[1:]))
    assert not codes.code_is_valid(code[:-1])
    assert not codes.code_is_valid("")
