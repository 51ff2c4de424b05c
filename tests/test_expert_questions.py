"""Questions to experts: asked with photos, routed to the experts of the specialty and
region (unanswered first), answered by experts only, public and searchable without
the asker once answered."""

from sannong.auth import Role
from tests.experts import ANSWER, ASK, HELPFUL, codes_of, expert, multipart
from tests.factories import LUOCHENG, Api, Person, codes

QUESTIONS = """query($f: QuestionFilter) { questions(filter: $f) { totalCount
    edges { node { id text status askedByMe asker { id } village { id } } } } }"""


async def ask(api: Api, farmer: Person, text: str, **more: str) -> dict[str, object]:
    fields = {"specialty": "PLANT_PROTECTION", "crop": "黄瓜", "text": text} | more
    result = await api.gql(ASK, {"i": fields}, as_=farmer)
    payload = result["data"]["askQuestion"]
    assert payload["userErrors"] == [], payload
    question: dict[str, object] = payload["question"]
    return question


async def answer(api: Api, person: Person, question_id: object, text: str) -> dict[str, object]:
    result = await api.gql(ANSWER, {"i": {"questionId": question_id, "text": text}}, as_=person)
    return dict(result)


async def test_a_question_takes_six_photos_and_seven_are_refused(api: Api) -> None:
    farmer = await api.person()
    fields = {"specialty": "PLANT_PROTECTION", "crop": "黄瓜", "text": "叶子上有黄色斑点怎么办"}
    six = await multipart(api, farmer, ASK, fields, 6)
    assert len(six.json()["data"]["askQuestion"]["question"]["photos"]) == 6
    seven = await multipart(api, farmer, ASK, fields, 7)
    assert codes_of(seven.json()["data"]["askQuestion"]) == ["TOO_MANY_PHOTOS"]
    assert await api.db.questions.count_documents({}) == 1


async def test_experts_get_their_routed_questions_unanswered_first(api: Api) -> None:
    li = await expert(api, ("PLANT_PROTECTION",))
    vet = await expert(api, ("LIVESTOCK",))
    elsewhere = await expert(api, ("PLANT_PROTECTION",), (LUOCHENG,))
    farmer = await api.person()
    old = await ask(api, farmer, "黄瓜霜霉病怎么防治")
    new = await ask(api, farmer, "黄瓜白粉病用什么药")
    await ask(api, farmer, "猪不吃食是什么原因", specialty="LIVESTOCK", crop="生猪")
    assert (await answer(api, li, old["id"], "用烯酰吗啉"))["data"]["answerQuestion"][
        "userErrors"
    ] == []
    queue = await api.gql(QUESTIONS, as_=li)
    edges = queue["data"]["questions"]["edges"]
    assert [e["node"]["id"] for e in edges] == [new["id"], old["id"]]
    assert edges[0]["node"]["asker"] == {"id": farmer.id}  # experts see who asks
    assert (await api.gql(QUESTIONS, as_=vet))["data"]["questions"]["totalCount"] == 1
    assert (await api.gql(QUESTIONS, as_=elsewhere))["data"]["questions"]["totalCount"] == 0


async def test_answered_questions_are_public_without_the_asker(api: Api) -> None:
    li = await expert(api)
    farmer, neighbour = await api.person(), await api.person()
    question = await ask(api, farmer, "大棚番茄裂果是什么原因")
    await ask(api, farmer, "还没有人回答的问题")
    await answer(api, li, question["id"], "水分不均匀，注意均匀浇水")
    public = await api.gql(QUESTIONS, as_=neighbour)
    (edge,) = public["data"]["questions"]["edges"]
    assert edge["node"]["asker"] is None and edge["node"]["village"] is None
    assert edge["node"]["askedByMe"] is False
    anonymous = await api.gql(QUESTIONS)
    assert anonymous["data"]["questions"]["totalCount"] == 1
    refused = await api.gql(QUESTIONS, {"f": {"status": "UNANSWERED"}}, as_=neighbour)
    assert codes(refused) == ["FORBIDDEN"]
    mine = await api.gql(QUESTIONS, {"f": {"mine": True}}, as_=farmer)
    assert mine["data"]["questions"]["totalCount"] == 2
    search = await api.gql(
        """{ search(text: "番茄裂果", kinds: [QUESTION]) { kind title snippet
            node { ... on Question { id asker { id } } } } }""",
        as_=neighbour,
    )
    (hit,) = search["data"]["search"]
    assert hit["kind"] == "QUESTION" and hit["node"] == {"id": question["id"], "asker": None}
    assert "均匀浇水" in hit["snippet"]
    # The app shows a hit as it shows any question: asked by me, asker, village.
    for viewer in (farmer, li, None):
        shown = await api.gql(
            """{ search(text: "番茄裂果", kinds: [QUESTION]) {
                node { ... on Question { id askedByMe asker { id } village { id } } } } }""",
            as_=viewer,
        )
        assert "errors" not in shown, shown
        node = shown["data"]["search"][0]["node"]
        assert node == {"id": question["id"], "askedByMe": False, "asker": None, "village": None}


async def test_answering_as_a_farmer_is_forbidden(api: Api) -> None:
    farmer, other = await api.person(), await api.person()
    question = await ask(api, farmer, "小麦倒伏了怎么办")
    assert codes(await answer(api, other, question["id"], "我也不知道")) == ["FORBIDDEN"]
    admin = await api.person(Role.TOWNSHIP_ADMIN, scope="370783003000")
    assert codes(await answer(api, admin, question["id"], "问专家")) == ["FORBIDDEN"]
    doc = await api.db.questions.find_one({})
    assert doc is not None and doc["answers"] == [] and doc["status"] == "UNANSWERED"


async def test_the_asker_marks_an_answer_helpful_and_the_expert_counts_it(api: Api) -> None:
    li = await expert(api)
    farmer, other = await api.person(), await api.person()
    question = await ask(api, farmer, "苹果树腐烂病怎么治")
    answered = await answer(api, li, question["id"], "刮除病斑后涂药")
    answer_id = answered["data"]["answerQuestion"]["question"]["answers"][0]["id"]  # type: ignore[index]
    variables = {"i": {"questionId": question["id"], "answerId": answer_id}}
    assert codes(await api.gql(HELPFUL, variables, as_=other)) == ["FORBIDDEN"]
    marked = await api.gql(HELPFUL, variables, as_=farmer)
    assert marked["data"]["markAnswerHelpful"]["question"]["answers"] == [
        {"id": answer_id, "helpful": True}
    ]
    profile = await api.gql(
        "query($s: Specialty) { experts(specialty: $s) { edges { node { answerCount } } } }",
        {"s": "PLANT_PROTECTION"},
    )
    assert profile["data"]["experts"]["edges"] == [{"node": {"answerCount": 1}}]
    inbox = await api.db.notifications.count_documents({"kind": "QUESTION_ANSWERED"})
    assert inbox == 1


async def test_bad_questions_are_refused_with_reasons(api: Api) -> None:
    farmer = await api.person()
    for fields, field in (
        ({"text": "虫"}, "text"),
        ({"text": ""}, "text"),
        ({"crop": ""}, "crop"),
        ({"text": "很长" * 600}, "text"),
    ):
        base = {"specialty": "PLANT_PROTECTION", "crop": "黄瓜", "text": "叶子黄了怎么办"}
        result = await api.gql(ASK, {"i": base | fields}, as_=farmer)
        errors = result["data"]["askQuestion"]["userErrors"]
        assert [e["field"] for e in errors] == [field], fields
    assert await api.db.questions.count_documents({}) == 0
