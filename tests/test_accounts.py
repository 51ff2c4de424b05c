import asyncio
from datetime import UTC, datetime, timedelta

from sannong.auth import Role
from sannong.db import Database
from sannong.db.client import count_commands
from sannong.security import hash_token
from tests.factories import PASSWORD, SUNJIAJI, Api, codes, gid, village_id

REGISTER = """mutation($i: RegisterInput!) { register(input: $i) {
  token user { id name phone role village { name } } userErrors { field message code } } }"""
LOGIN = """mutation($i: LoginInput!) { login(input: $i) {
  token user { name } userErrors { field message code } } }"""
ME = "{ me { name phone role village { name } } }"


def register_input(**overrides: str) -> dict[str, str]:
    values = {
        "phone": "13812345678",
        "password": "zhongdi2026",
        "name": "王大山",
        "villageId": village_id("三元朱村"),
    }
    return values | overrides


async def test_register_signs_in_and_shows_own_phone(api: Api) -> None:
    result = await api.gql(REGISTER, {"i": register_input()})
    payload = result["data"]["register"]
    assert payload["userErrors"] == []
    assert payload["user"] | {"id": None} == {
        "id": None,
        "name": "王大山",
        "phone": "13812345678",
        "role": "FARMER",
        "village": {"name": "三元朱村"},
    }
    me = await api.http.post(
        "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {payload['token']}"}
    )
    assert me.json()["data"]["me"]["phone"] == "13812345678"


async def test_password_is_stored_as_argon2id_and_token_only_hashed(api: Api, db: Database) -> None:
    result = await api.gql(REGISTER, {"i": register_input()})
    token = result["data"]["register"]["token"]
    user = await db.users.find_one({"phone": "13812345678"})
    assert user["passwordHash"].startswith("$argon2id$")
    assert await db.sessions.find_one({"tokenHash": hash_token(token)}) is not None
    assert await db.sessions.find_one({"tokenHash": token}) is None


async def assert_register_refused(
    api: Api, db: Database, field: str, code: str, **bad: str
) -> None:
    before = await db.users.count_documents({})
    result = await api.gql(REGISTER, {"i": register_input(**bad)})
    payload = result["data"]["register"]
    assert payload["token"] is None and payload["user"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(field, code)]
    assert all(e["message"] for e in payload["userErrors"])
    assert await db.users.count_documents({}) == before
    assert await db.sessions.count_documents({}) == 0


async def test_malformed_phone_is_refused(api: Api, db: Database) -> None:
    await assert_register_refused(api, db, "phone", "INVALID_PHONE", phone="1234")
    await assert_register_refused(api, db, "phone", "INVALID_PHONE", phone='{"$gt": ""}')


async def test_weak_password_is_refused(api: Api, db: Database) -> None:
    await assert_register_refused(api, db, "password", "WEAK_PASSWORD", password="short1")
    await assert_register_refused(api, db, "password", "WEAK_PASSWORD", password="onlyletters")
    await assert_register_refused(api, db, "password", "WEAK_PASSWORD", password="12345678")


async def test_duplicate_phone_is_refused(api: Api, db: Database) -> None:
    await api.gql(REGISTER, {"i": register_input()})
    before = await db.sessions.count_documents({})
    result = await api.gql(REGISTER, {"i": register_input(name="另一个人")})
    assert result["data"]["register"]["userErrors"][0]["code"] == "PHONE_TAKEN"
    assert await db.users.count_documents({}) == 1
    assert await db.sessions.count_documents({}) == before


async def test_unknown_region_is_refused(api: Api, db: Database) -> None:
    await assert_register_refused(
        api, db, "villageId", "UNKNOWN_REGION", villageId=gid("Region", "999999999999")
    )
    # a township is a region, but a person lives in a village
    await assert_register_refused(
        api, db, "villageId", "UNKNOWN_REGION", villageId=gid("Region", SUNJIAJI)
    )


async def test_id_of_another_type_is_bad_user_input(api: Api, db: Database) -> None:
    result = await api.gql(REGISTER, {"i": register_input(villageId=gid("User", "abc"))})
    assert codes(result) == ["BAD_USER_INPUT"]
    assert await db.users.count_documents({}) == 0


async def test_operator_strings_are_refused_in_text_fields(api: Api, db: Database) -> None:
    await assert_register_refused(api, db, "name", "INVALID", name="$where")
    await assert_register_refused(api, db, "name", "INVALID", name=" $ne")


async def test_over_long_strings_are_refused(api: Api, db: Database) -> None:
    await assert_register_refused(api, db, "name", "TOO_LONG", name="王" * 21)
    await assert_register_refused(api, db, "password", "TOO_LONG", password="a1" * 40)


async def test_login_with_right_and_wrong_password(api: Api) -> None:
    await api.gql(REGISTER, {"i": register_input()})
    ok = await api.gql(LOGIN, {"i": {"phone": "13812345678", "password": "zhongdi2026"}})
    assert ok["data"]["login"]["token"] and ok["data"]["login"]["user"] == {"name": "王大山"}
    wrong = await api.gql(LOGIN, {"i": {"phone": "13812345678", "password": "wrong2026x"}})
    assert wrong["data"]["login"] == {
        "token": None,
        "user": None,
        "userErrors": [
            {"field": None, "message": "手机号或密码错误", "code": "INVALID_CREDENTIALS"}
        ],
    }


async def test_unknown_phone_gets_the_same_answer_after_verifying_the_decoy_hash(
    api: Api,
) -> None:
    """Same answer, and the same work: an argon2 verification of the decoy hash, so the
    time does not tell which phones have accounts (the figures are in the benchmark)."""
    await api.gql(REGISTER, {"i": register_input()})
    decoy = 'sannong_password_checks_total{hash="decoy"}'
    account = 'sannong_password_checks_total{hash="account"}'

    async def attempt(phone: str) -> tuple[dict, float, float]:
        before = await api.metric(decoy), await api.metric(account)
        result = await api.gql(LOGIN, {"i": {"phone": phone, "password": "wrong2026x"}})
        after = await api.metric(decoy), await api.metric(account)
        return result["data"]["login"], after[0] - before[0], after[1] - before[1]

    known, unknown = await attempt("13812345678"), await attempt("13987654321")
    assert known[0] == unknown[0]
    assert known[1:] == (0, 1)  # the account's hash
    assert unknown[1:] == (1, 0)  # the decoy's


async def test_login_is_throttled_per_phone(api: Api) -> None:
    await api.gql(REGISTER, {"i": register_input()})
    for _ in range(5):
        await api.gql(LOGIN, {"i": {"phone": "13812345678", "password": "wrong2026x"}})
    result = await api.gql(LOGIN, {"i": {"phone": "13812345678", "password": "zhongdi2026"}})
    assert codes(result) == ["RATE_LIMITED"]
    assert result["data"] is None


async def test_concurrent_wrong_passwords_cannot_all_pass_the_phone_limit(api: Api) -> None:
    """Each attempt is claimed before its password is checked, so of ten concurrent
    guesses only the five the limit allows reach argon2."""
    await api.gql(REGISTER, {"i": register_input()})
    checked = 'sannong_password_checks_total{hash="account"}'
    before = await api.metric(checked)
    guesses = await asyncio.gather(
        *(
            api.gql(LOGIN, {"i": {"phone": "13812345678", "password": f"wrong2026{n}"}})
            for n in range(10)
        )
    )
    assert sorted(c for g in guesses for c in codes(g)) == ["RATE_LIMITED"] * 5
    assert await api.metric(checked) - before == 5


async def test_a_successful_login_does_not_count_against_the_phone(api: Api) -> None:
    await api.gql(REGISTER, {"i": register_input()})
    for _ in range(6):
        result = await api.gql(LOGIN, {"i": {"phone": "13812345678", "password": "zhongdi2026"}})
        assert result["data"]["login"]["token"]


async def test_aliased_logins_in_one_request_each_count(api: Api) -> None:
    await api.gql(REGISTER, {"i": register_input()})
    fields = " ".join(
        f'a{n}: login(input: {{phone: "13812345678", password: "wrong2026x"}}) {{ token }}'
        for n in range(8)
    )
    result = await api.gql(f"mutation {{ {fields} }}")
    # five aliased failures count like five requests; the sixth alias is refused
    assert codes(result) == ["RATE_LIMITED"]
    assert result["errors"][0]["path"] == ["a5"]


async def test_login_is_throttled_per_client_address(api: Api) -> None:
    api.http._transport.app.state.services.settings.login_max_attempts_per_address = 3  # type: ignore[attr-defined]
    for n in range(3):
        await api.gql(LOGIN, {"i": {"phone": f"1391111000{n}", "password": "wrong2026x"}})
    result = await api.gql(LOGIN, {"i": {"phone": "13911110009", "password": "wrong2026x"}})
    assert codes(result) == ["RATE_LIMITED"]


async def test_logout_revokes_the_token(api: Api) -> None:
    person = await api.person()
    assert await api.gql("mutation { logout }", as_=person) == {
        "data": {"logout": True},
        "extensions": {"cost": {"requested": 10, "limit": 5000}},
    }
    result = await api.gql(ME, as_=person)
    assert codes(result) == ["UNAUTHENTICATED"]
    assert result["errors"][0]["message"] == "登录已失效，请重新登录"


async def test_expired_token_is_refused(api: Api, db: Database) -> None:
    person = await api.person()
    await db.sessions.update_many(
        {}, {"$set": {"expiresAt": datetime.now(UTC) - timedelta(seconds=1)}}
    )
    assert codes(await api.gql(ME, as_=person)) == ["UNAUTHENTICATED"]


async def test_anonymous_me_is_null(api: Api) -> None:
    result = await api.gql(ME)
    assert result["data"] == {"me": None}


async def test_password_change_revokes_other_sessions(api: Api) -> None:
    person = await api.person()
    other = await api.gql(LOGIN, {"i": {"phone": person.phone, "password": PASSWORD}})
    other_token = other["data"]["login"]["token"]
    result = await api.gql(
        """mutation($i: UpdateProfileInput!) { updateProfile(input: $i) {
             user { name } userErrors { code } } }""",
        {"i": {"currentPassword": PASSWORD, "newPassword": "xinmima2026"}},
        as_=person,
    )
    assert result["data"]["updateProfile"]["userErrors"] == []
    assert (await api.gql(ME, as_=person))["data"]["me"] is not None
    stale = await api.http.post(
        "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {other_token}"}
    )
    assert codes(stale.json()) == ["UNAUTHENTICATED"]


async def test_password_change_needs_the_current_password(api: Api, db: Database) -> None:
    person = await api.person()
    before = (await db.users.find_one({"phone": person.phone}))["passwordHash"]
    result = await api.gql(
        """mutation($i: UpdateProfileInput!) {
             updateProfile(input: $i) { userErrors { field code } } }""",
        {"i": {"currentPassword": "notmine2026", "newPassword": "xinmima2026", "name": "新名字"}},
        as_=person,
    )
    assert result["data"]["updateProfile"]["userErrors"] == [
        {"field": "currentPassword", "code": "INVALID_CREDENTIALS"}
    ]
    user = await db.users.find_one({"phone": person.phone})
    assert user["passwordHash"] == before and user["name"] == "测试用户"


async def test_profile_moves_to_another_village(api: Api) -> None:
    person = await api.person()
    result = await api.gql(
        """mutation($i: UpdateProfileInput!) { updateProfile(input: $i) {
             user { name village { name } } userErrors { code } } }""",
        {"i": {"name": "王小二", "villageId": village_id("桃花源村")}},
        as_=person,
    )
    assert result["data"]["updateProfile"]["user"] == {
        "name": "王小二",
        "village": {"name": "桃花源村"},
    }


async def test_phone_is_masked_to_others_and_shown_to_admins_of_the_region(api: Api) -> None:
    farmer = await api.person(village="三元朱村")
    neighbour = await api.person(village="三元朱村")
    admin_here = await api.person(Role.TOWNSHIP_ADMIN, scope=SUNJIAJI)
    admin_elsewhere = await api.person(Role.TOWNSHIP_ADMIN, scope="370783002000")
    query = "query($id: ID!) { node(id: $id) { ... on User { phone } } }"
    seen = {}
    for name, viewer in [
        ("self", farmer),
        ("neighbour", neighbour),
        ("here", admin_here),
        ("elsewhere", admin_elsewhere),
        ("anonymous", None),
    ]:
        result = await api.gql(query, {"id": farmer.id}, as_=viewer)
        seen[name] = result["data"]["node"]["phone"]
    masked = f"{farmer.phone[:3]}****{farmer.phone[-4:]}"
    assert seen == {
        "self": farmer.phone,
        "neighbour": masked,
        "here": farmer.phone,
        "elsewhere": masked,
        "anonymous": masked,
    }


async def test_platform_admin_grants_a_township_admin_role(api: Api, db: Database) -> None:
    platform = await api.person(Role.PLATFORM_ADMIN, scope="370000000000")
    farmer = await api.person()
    result = await api.gql(
        """mutation($i: GrantRoleInput!) { grantRole(input: $i) {
             user { role adminRegion { name } } userErrors { field code } } }""",
        {"i": {"userId": farmer.id, "role": "TOWNSHIP_ADMIN", "regionId": gid("Region", SUNJIAJI)}},
        as_=platform,
    )
    assert result["data"]["grantRole"] == {
        "user": {"role": "TOWNSHIP_ADMIN", "adminRegion": {"name": "孙家集街道"}},
        "userErrors": [],
    }
    # new powers: the old token is revoked so the next sign-in carries them
    assert codes(await api.gql(ME, as_=farmer)) == ["UNAUTHENTICATED"]


async def test_township_admin_role_needs_a_township(api: Api) -> None:
    platform = await api.person(Role.PLATFORM_ADMIN, scope="370000000000")
    farmer = await api.person()
    result = await api.gql(
        """mutation($i: GrantRoleInput!) { grantRole(input: $i) { userErrors { field code } } }""",
        {"i": {"userId": farmer.id, "role": "TOWNSHIP_ADMIN"}},
        as_=platform,
    )
    assert result["data"]["grantRole"]["userErrors"] == [{"field": "regionId", "code": "REQUIRED"}]


async def test_concurrent_registrations_of_one_phone_make_one_account(
    api: Api, db: Database
) -> None:
    results = await asyncio.gather(*[api.gql(REGISTER, {"i": register_input()}) for _ in range(5)])
    tokens = [r["data"]["register"]["token"] for r in results if r["data"]["register"]["token"]]
    assert len(tokens) == 1
    assert await db.users.count_documents({"phone": "13812345678"}) == 1


async def test_registrations_are_throttled_per_client_address(api: Api, db: Database) -> None:
    api.http._transport.app.state.services.settings.register_max_per_address = 2  # type: ignore[attr-defined]
    for n in range(2):
        await api.gql(REGISTER, {"i": register_input(phone=f"1381234000{n}")})
    result = await api.gql(REGISTER, {"i": register_input(phone="13812340009")})
    assert codes(result) == ["RATE_LIMITED"]
    assert await db.users.count_documents({}) == 2


async def test_an_operator_object_in_place_of_a_string_is_refused(api: Api, db: Database) -> None:
    for query, variables in [
        (LOGIN, {"i": {"phone": {"$gt": ""}, "password": {"$ne": None}}}),
        (REGISTER, {"i": register_input() | {"name": {"$where": "sleep(1000)"}}}),
    ]:
        response = await api.post(query, variables)
        assert response.status_code == 400  # variables that do not coerce: a request error
        assert set(codes(response.json())) == {"BAD_USER_INPUT"}
    assert await db.users.count_documents({}) == 0
    assert await db.sessions.count_documents({}) == 0


async def test_me_with_village_costs_two_database_commands(api: Api) -> None:
    person = await api.person()  # registering loaded the village: the process keeps it
    with count_commands() as tally:
        result = await api.gql("{ me { name village { name } } }", as_=person)
    assert result["data"]["me"]["village"] == {"name": "孙家集村"}
    assert tally.names == ["find", "find"]  # session, user
