"""Money written by the server (SMS, search snippets) reads as the app writes it
(frontend/tests/format.test.ts holds the same examples for `yuan`)."""

from sannong.money import yuan_text


def test_two_decimals_and_the_unit_after_a_slash_without_a_space() -> None:
    assert yuan_text(320) == "3.20元"
    assert yuan_text(320, "斤") == "3.20元/斤"
    assert yuan_text(255, "元/公斤") == "2.55元/公斤"


def test_large_amounts_in_wan() -> None:
    assert yuan_text(12_500_000) == "12.5万元"
    assert yuan_text(1_000_000) == "1万元"
