"""Money is integer fen (分) in the database and a decimal amount of yuan in the API."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN_PER_YUAN = 100


def fen_to_yuan(fen: int) -> Decimal:
    return (Decimal(fen) / FEN_PER_YUAN).quantize(Decimal("0.01"))


def yuan_to_fen(yuan: Decimal) -> int | None:
    """Exact conversion, or None when the amount has more than two decimals or is not finite."""
    try:
        if not yuan.is_finite():
            return None
        fen = yuan * FEN_PER_YUAN
        if fen != fen.to_integral_value():
            return None
        return int(fen.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except InvalidOperation:
        return None


MAX_PRICE_FEN = 10_000_000  # 100 000 yuan per unit: above any farm price, so a slipped digit shows
