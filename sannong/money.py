"""Money is integer fen (分) in the database and a decimal amount of yuan in the API."""

from decimal import ROUND_HALF_UP, Decimal

FEN_PER_YUAN = 100
# Amounts from 10^15 yuan up are no price: they saturate here, above every price limit,
# so a caller's range check refuses them without arithmetic on a million-digit number.
MAX_FEN = 10**17
_CENT = Decimal("0.01")


def fen_to_yuan(fen: int) -> Decimal:
    return (Decimal(fen) / FEN_PER_YUAN).quantize(_CENT)


def yuan_to_fen(yuan: Decimal) -> int | None:
    """Exact fen; None when the amount has more than two decimals or is not a number.
    Never raises: `Decimal("1e999999")` is ±MAX_FEN, not an overflow."""
    if not yuan.is_finite():
        return None
    if yuan.adjusted() >= 15:
        return MAX_FEN if yuan > 0 else -MAX_FEN
    if yuan.adjusted() < -2:  # below one fen: zero, or more than two decimals
        return 0 if yuan.is_zero() else None
    cents = yuan.quantize(_CENT, rounding=ROUND_HALF_UP)
    if cents != yuan:
        return None
    return int(cents.scaleb(2))


def yuan_text(fen: int, unit: str | None = None) -> str:
    """Money as text, written as the app writes it (frontend/src/format.ts `yuan`): two
    decimals and 元 without a space, from 10 000 yuan on in 万: 2.55元/公斤, 3.50元/斤, 12.5万元."""
    yuan = fen_to_yuan(fen)
    per = f"/{unit.removeprefix('元/')}" if unit else ""
    if abs(yuan) >= 10_000:
        wan = f"{yuan / 10_000:.2f}".rstrip("0").rstrip(".")
        return f"{wan}万元{per}"
    return f"{yuan}元{per}"


MAX_PRICE_FEN = 10_000_000  # 100 000 yuan per unit: above any farm price, so a slipped digit shows
