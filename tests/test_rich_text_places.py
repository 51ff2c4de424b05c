"""Where rich text is, and where it is not. Notices and articles are HTML, sanitized on
the way in (pictures only from the platform's media: tests/test_articles.py,
tests/test_notices_publish.py). Answers to questions, feedback and its replies are plain
text, end to end: the API keeps what was typed, and the app shows it as text, so a picture
written into an answer is characters on the screen, never a request to another site."""

import re
from pathlib import Path

from tests.experts import ANSWER, ASK, expert
from tests.factories import Api

FRONTEND = Path(__file__).resolve().parents[1] / "frontend" / "src"
PIXEL = '<img src="https://pixel.example/t.gif">'


async def test_an_answer_is_kept_as_the_text_the_expert_typed(api: Api) -> None:
    li = await expert(api)
    farmer = await api.person()
    fields = {"specialty": "PLANT_PROTECTION", "crop": "黄瓜", "text": "叶子上有黄色斑点怎么办"}
    asked = await api.gql(ASK, {"i": fields}, as_=farmer)
    question_id = asked["data"]["askQuestion"]["question"]["id"]
    text = f"喷代森锰锌，见图{PIXEL}"
    answered = await api.gql(ANSWER, {"i": {"questionId": question_id, "text": text}}, as_=li)
    [stored] = answered["data"]["answerQuestion"]["question"]["answers"]
    assert stored["text"] == text  # text, to be shown as text: not markup to clean


def test_the_app_renders_html_only_from_a_notice_body() -> None:
    """`v-html` is the one way the app turns a string into markup: only the notice body
    (and its earlier versions), which the server sanitized, may go through it."""
    bound = {
        (path.relative_to(FRONTEND).as_posix(), expression)
        for path in FRONTEND.rglob("*.vue")
        for expression in re.findall(r'v-html="([^"]*)"', path.read_text(encoding="utf-8"))
    }
    assert bound and {expression for _, expression in bound} <= {"notice.body", "revision.body"}
    assert not [p for p in FRONTEND.rglob("*.ts") if "innerHTML" in p.read_text(encoding="utf-8")]
