"""A value that is not a file where an upload is expected is the client's mistake:
BAD_USER_INPUT with a Chinese message, on every mutation that takes files, and nothing runs."""

from typing import Any

import pytest

from tests.factories import Api, codes

# Each mutation that takes files, with an input complete but for a string in a file's place.
UPLOAD_MUTATIONS: list[tuple[str, str, dict[str, Any]]] = [
    ("addListingPhotos", "AddListingPhotosInput", {"listingId": "TGlzdGluZzox", "photos": []}),
    (
        "createListing",
        "CreateListingInput",
        {"commodity": "白菜", "title": "大白菜", "price": "1.5", "unit": "斤", "quantity": 10},
    ),
    (
        "askQuestion",
        "AskQuestionInput",
        {"specialty": "PLANT_PROTECTION", "crop": "水稻", "text": "稻瘟病怎么治"},
    ),
    (
        "bookConsultation",
        "BookConsultationInput",
        {"slotId": "U2xvdDox", "topic": "稻瘟病", "idempotencyKey": "k-1"},
    ),
    (
        "submitFeedback",
        "SubmitFeedbackInput",
        {"kind": "INQUIRY", "text": "水渠坏了"},
    ),
    (
        "publishNotice",
        "PublishNoticeInput",
        {
            "regionId": "UmVnaW9uOjE=",
            "category": "VILLAGE_AFFAIRS",
            "title": "通知",
            "body": "内容",
        },
    ),
    ("updateNotice", "UpdateNoticeInput", {"noticeId": "Tm90aWNlOjE="}),
]
FILE_FIELDS = {"publishNotice": "attachments", "updateNotice": "addAttachments"}


@pytest.mark.parametrize(("field", "input_type", "values"), UPLOAD_MUTATIONS)
@pytest.mark.parametrize("not_a_file", ["照片.jpg", 42, {"name": "a.jpg"}])
async def test_a_value_that_is_not_a_file_is_bad_user_input(
    api: Api, field: str, input_type: str, values: dict[str, Any], not_a_file: object
) -> None:
    person = await api.person()
    files = FILE_FIELDS.get(field, "photos")
    query = f"mutation($i: {input_type}!) {{ {field}(input: $i) {{ __typename }} }}"
    response = await api.post(query, {"i": values | {files: [not_a_file]}}, as_=person)
    assert response.status_code == 400
    result = response.json()
    assert codes(result) == ["BAD_USER_INPUT"], result
    assert "上传的文件" in result["errors"][0]["message"]
    assert "data" not in result
