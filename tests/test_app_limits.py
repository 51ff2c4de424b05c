"""The app's text limits are the API's: a form that allows more than the API refuses
the farmer after sending, and one that allows less cuts nothing the API would take.
frontend/src/limits.ts is read as text (the app is not run here)."""

import re
from pathlib import Path

from sannong.rules import bookings, consultation_messages, feedback, listings, orders, questions

LIMITS_TS = Path(__file__).resolve().parents[1] / "frontend" / "src" / "limits.ts"

API_LIMITS = {
    "feedbackText": feedback.TEXT_MAX,
    "feedbackComment": feedback.COMMENT_MAX,
    "orderNote": orders.NOTE_MAX,
    "listingCommodity": listings.COMMODITY_MAX,
    "listingTitle": listings.TITLE_MAX,
    "listingDescription": listings.DESCRIPTION_MAX,
    "questionCrop": questions.CROP_MAX,
    "questionText": questions.TEXT_MAX,
    "bookingTopic": bookings.TOPIC_MAX,
    "bookingCrop": bookings.CROP_MAX,
    "bookingDescription": bookings.DESCRIPTION_MAX,
    "consultationComment": bookings.COMMENT_MAX,
    "consultationMessage": consultation_messages.TEXT_MAX,
}


def app_limits() -> dict[str, int]:
    block = re.search(r"export const LIMITS = \{(.*?)\} as const", LIMITS_TS.read_text(), re.S)
    assert block, "limits.ts has no LIMITS object"
    return {name: int(value) for name, value in re.findall(r"(\w+): (\d+)", block.group(1))}


def test_the_app_limits_every_text_as_the_api_does() -> None:
    assert app_limits() == API_LIMITS
