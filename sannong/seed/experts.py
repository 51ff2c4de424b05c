"""Demo experts: 12 experts across the specialties, two weeks of slots from the seed's
anchor, bookings in every state, 42 questions (most answered), upcoming lectures.

Deterministic and idempotent like the demo market: ids derive from numbers and the
anchor, documents are inserted only when missing, built by the rules' own builders.
"""

from datetime import datetime, time, timedelta

from bson import ObjectId

from sannong.auth import Role
from sannong.clock import CHINA
from sannong.db import Database, Document
from sannong.rules.accounts import user_document
from sannong.rules.consultations import (
    ConsultationStatus,
    SlotStatus,
    consultation_document,
    schedule_reminders,
    slot_document,
)
from sannong.rules.experts import Specialty, expert_document
from sannong.rules.lectures import lecture_document, schedule_lecture_reminder
from sannong.rules.questions import (
    QuestionStatus,
    answer_document,
    question_document,
    question_tokens,
    queue_rank,
)
from sannong.security import Passwords
from sannong.seed.batches import insert_missing
from sannong.seed.market import farmer_documents
from sannong.seed.regions import region_documents

DEMO_EXPERT_PASSWORD = "zhuanjia2026"
DEMO_EXPERT_PHONE = "13800000002"  # 李明华, one of the demo accounts
S = Specialty

# name, phone, specialties, organization, title, county served
EXPERTS: tuple[tuple[str, str, tuple[Specialty, ...], str, str, str], ...] = (
    (
        "李明华",
        DEMO_EXPERT_PHONE,
        (S.PLANT_PROTECTION, S.FRUIT_VEGETABLE),
        "寿光市农业农村局",
        "高级农艺师",
        "370783000000",
    ),
    (
        "王志远",
        "13800020001",
        (S.SOIL_FERTILIZER,),
        "山东农业大学资源与环境学院",
        "副教授",
        "370783000000",
    ),
    ("赵秀兰", "13800020002", (S.LIVESTOCK,), "潍坊市畜牧兽医站", "高级兽医师", "370700000000"),
    ("孙海涛", "13800020003", (S.AQUACULTURE,), "山东省淡水渔业研究院", "研究员", "370000000000"),
    ("周建平", "13800020004", (S.FRUIT_VEGETABLE,), "寿光蔬菜产业集团", "农艺师", "370783000000"),
    ("吴丽娟", "13800020005", (S.PLANT_PROTECTION,), "青州市植保站", "高级农艺师", "370781000000"),
    ("郑国强", "13800020006", (S.MACHINERY,), "潍坊市农机推广站", "高级工程师", "370700000000"),
    ("钱玉梅", "13800020007", (S.FARM_ECONOMICS,), "山东省农业科学院", "副研究员", "370000000000"),
    (
        "冯德胜",
        "13800020008",
        (S.LIVESTOCK, S.AQUACULTURE),
        "沂南县畜牧发展中心",
        "兽医师",
        "371321000000",
    ),
    (
        "陈春燕",
        "13800020009",
        (S.FRUIT_VEGETABLE, S.SOIL_FERTILIZER),
        "沂南县果业站",
        "农艺师",
        "371321000000",
    ),
    (
        "褚立新",
        "13800020010",
        (S.PLANT_PROTECTION, S.SOIL_FERTILIZER),
        "潍坊市农业科学院",
        "研究员",
        "370700000000",
    ),
    (
        "卫小军",
        "13800020011",
        (S.MACHINERY, S.FARM_ECONOMICS),
        "青州市农业农村局",
        "农经师",
        "370781000000",
    ),
)
BIO = "长期在基层开展技术服务，熟悉本地种养情况，欢迎提问或预约视频咨询。"

# specialty, crop, question, answer (None: not answered yet)
QUESTIONS: tuple[tuple[Specialty, str, str, str | None], ...] = (
    (
        S.PLANT_PROTECTION,
        "黄瓜",
        "大棚黄瓜叶片出现多角形黄斑，背面有灰黑色霉层，是什么病？",
        "是霜霉病。降低棚内湿度，发病初期用烯酰吗啉或霜脲·锰锌喷雾，7 天一次，连喷 2–3 次。",
    ),
    (
        S.PLANT_PROTECTION,
        "番茄",
        "番茄果实顶部出现黑褐色凹陷斑，怎么回事？",
        "是脐腐病，多由缺钙和水分忽多忽少引起。均匀浇水，叶面喷施钙肥。",
    ),
    (
        S.PLANT_PROTECTION,
        "水稻",
        "稻叶上有梭形病斑，中间灰白色，边缘褐色，要打什么药？",
        "典型稻瘟病。用三环唑或稻瘟灵在破口期前后各喷一次，注意不要偏施氮肥。",
    ),
    (
        S.PLANT_PROTECTION,
        "小麦",
        "小麦叶片上有一条条黄色粉末，发展很快，怎么防？",
        "是条锈病。用三唑酮或戊唑醇喷雾，发现中心病株就要全田防治。",
    ),
    (
        S.PLANT_PROTECTION,
        "玉米",
        "玉米心叶被虫咬得很烂，里面有虫粪，是什么虫？",
        "多为草地贪夜蛾或玉米螟。傍晚对准心叶喷施甲氨基阿维菌素苯甲酸盐。",
    ),
    (
        S.PLANT_PROTECTION,
        "辣椒",
        "辣椒叶子卷曲发皱，新叶很小，是病毒病吗？",
        "像病毒病，常由蚜虫、粉虱传播。先防虫，再喷盐酸吗啉胍配合叶面肥。",
    ),
    (
        S.PLANT_PROTECTION,
        "苹果",
        "苹果树枝干上有红褐色溃烂斑，有酒糟味，怎么治？",
        "是腐烂病。刮净病斑后涂甲硫萘乙酸或腐殖酸铜，冬季做好树干涂白。",
    ),
    (
        S.PLANT_PROTECTION,
        "草莓",
        "草莓果实上长灰色的毛，一碰就烂，怎么办？",
        "是灰霉病。及时摘除病果，加强通风，用啶酰菌胺或嘧霉胺喷雾。",
    ),
    (S.PLANT_PROTECTION, "茄子", "茄子叶片背面有很多白色小飞虫，叶子发黄。", None),
    (S.PLANT_PROTECTION, "花生", "花生叶片上有黑褐色圆斑，下部叶子开始掉。", None),
    (
        S.SOIL_FERTILIZER,
        "大棚蔬菜",
        "大棚种了五年，土壤表面发白发绿，菜长得不好。",
        "这是土壤次生盐渍化。夏季休棚时大水漫灌洗盐，增施有机肥，少用化肥。",
    ),
    (
        S.SOIL_FERTILIZER,
        "小麦",
        "小麦返青后叶片发黄，该追什么肥？",
        "多为缺氮。结合浇返青水每亩追施尿素 8–10 公斤。",
    ),
    (
        S.SOIL_FERTILIZER,
        "玉米",
        "玉米叶片边缘发黄焦枯，从下部叶开始。",
        "是缺钾症状。每亩追施氯化钾 10 公斤，以后底肥注意补钾。",
    ),
    (
        S.SOIL_FERTILIZER,
        "苹果",
        "苹果树新叶黄化，叶脉还是绿的。",
        "典型缺铁黄叶病。叶面喷施螯合铁，土壤增施有机肥改良。",
    ),
    (
        S.SOIL_FERTILIZER,
        "水稻",
        "测土配方施肥的取样怎么做？",
        "在田里按 S 形取 10–15 个点，每点 0–20 厘米土层，混匀后留 1 公斤送检。",
    ),
    (S.SOIL_FERTILIZER, "西瓜", "西瓜地能不能用鸡粪？要怎么用？", None),
    (
        S.LIVESTOCK,
        "生猪",
        "仔猪拉黄色稀便，几天就死了好几头。",
        "可能是仔猪黄痢。母猪产前免疫，仔猪出生后及时吃初乳，病猪隔离并在兽医指导下用药。",
    ),
    (
        S.LIVESTOCK,
        "肉牛",
        "牛吃完饲料后肚子胀得很大，怎么急救？",
        "是瘤胃臌气。立即让牛站在前高后低处，灌服植物油或消气灵，严重时请兽医穿刺放气。",
    ),
    (
        S.LIVESTOCK,
        "蛋鸡",
        "鸡冠发紫，拉绿色稀便，产蛋下降。",
        "要排除新城疫和禽流感，请马上联系当地兽医站采样，同时做好隔离消毒。",
    ),
    (
        S.LIVESTOCK,
        "羊",
        "羊春季要打哪些疫苗？",
        "口蹄疫、小反刍兽疫和羊三联四防，按免疫程序在兽医指导下接种。",
    ),
    (
        S.LIVESTOCK,
        "生猪",
        "夏天猪舍太热，猪不爱吃食怎么办？",
        "加强通风和喷雾降温，饲料中添加电解多维，少喂勤添，早晚凉爽时饲喂。",
    ),
    (S.LIVESTOCK, "肉鸭", "小鸭子走路不稳，头往后仰。", None),
    (
        S.AQUACULTURE,
        "草鱼",
        "草鱼鳃丝发白腐烂，一直在池边游。",
        "是烂鳃病。用二氧化氯全池泼洒，投喂添加大蒜素的饲料，控制投喂量。",
    ),
    (
        S.AQUACULTURE,
        "鲫鱼",
        "早上鱼都浮在水面张嘴，是缺氧吗？",
        "是浮头缺氧。马上开增氧机，必要时加注新水，夜里少投饵。",
    ),
    (
        S.AQUACULTURE,
        "对虾",
        "对虾养殖水变浑发黑，虾吃料少。",
        "水质恶化。先换水 20%，使用底质改良剂和芽孢杆菌调水。",
    ),
    (S.AQUACULTURE, "鲤鱼", "池塘里长了很多青苔，怎么除？", None),
    (
        S.FRUIT_VEGETABLE,
        "葡萄",
        "葡萄开花前要不要掐尖？",
        "要。开花前 3–5 天在花序以上留 5–7 片叶摘心，提高坐果率。",
    ),
    (
        S.FRUIT_VEGETABLE,
        "桃",
        "桃树冬季怎么修剪？",
        "以疏枝为主，去掉过密枝、病虫枝，保留健壮结果枝，开心形树形。",
    ),
    (
        S.FRUIT_VEGETABLE,
        "西红柿",
        "大棚西红柿冬季坐果不好，花都掉了。",
        "温度低、光照弱所致。白天保持 25℃ 左右，用番茄灵蘸花，注意补光。",
    ),
    (
        S.FRUIT_VEGETABLE,
        "黄瓜",
        "黄瓜长成弯瓜、大肚瓜怎么回事？",
        "多为营养不良或授粉不好。及时追肥，控制留瓜数量，保持温湿度稳定。",
    ),
    (
        S.FRUIT_VEGETABLE,
        "樱桃",
        "樱桃快熟的时候下雨裂果严重。",
        "选用抗裂品种，搭建避雨棚，成熟前保持土壤湿度稳定，喷施钙肥。",
    ),
    (
        S.FRUIT_VEGETABLE,
        "韭菜",
        "韭菜根部有白色小虫，叶子发黄枯死。",
        "是韭蛆。用辛硫磷灌根，或覆盖防虫网并用日晒高温覆膜法防治。",
    ),
    (S.FRUIT_VEGETABLE, "梨", "梨树什么时候套袋最好？", None),
    (
        S.MACHINERY,
        "小麦",
        "播种机播得深浅不一样，怎么调？",
        "检查各排种开沟器的高度是否一致，调整镇压轮压力，作业速度不要太快。",
    ),
    (
        S.MACHINERY,
        "玉米",
        "玉米收获机割台经常堵，怎么办？",
        "检查拨禾链和摘穗辊间隙，适当降低作业速度，秸秆太湿时避开早晨作业。",
    ),
    (
        S.MACHINERY,
        "水稻",
        "插秧机漏插多，是什么原因？",
        "秧苗太稀或秧块太干，调整取秧量，插前把秧块浇透。",
    ),
    (
        S.MACHINERY,
        "农机",
        "买农机怎么申请购置补贴？",
        "到县农业农村部门或手机上的农机购置补贴系统申请，购机后凭发票和合格证办理。",
    ),
    (
        S.FARM_ECONOMICS,
        "蔬菜",
        "合作社怎么和超市签订单？",
        "先做好品质和供货稳定，取得合格证或认证，再由合作社统一谈价签合同。",
    ),
    (
        S.FARM_ECONOMICS,
        "粮食",
        "种粮大户能申请哪些补贴？",
        "耕地地力保护补贴、实际种粮农民一次性补贴等，具体到乡镇农经站咨询。",
    ),
    (
        S.FARM_ECONOMICS,
        "土地",
        "土地流转合同要注意什么？",
        "写清面积、年限、价格和支付方式，到村委和乡镇备案，年限不超过承包期剩余年限。",
    ),
    (
        S.FARM_ECONOMICS,
        "农产品",
        "农产品网上销售需要办什么手续？",
        "个人少量销售一般登记即可，规模经营办理营业执照和食品经营相关许可。",
    ),
    (S.FARM_ECONOMICS, "保险", "大棚可以买农业保险吗？", None),
)

# title, topic, crops, days from the anchor, hour (China), minutes, expert index
LECTURES: tuple[tuple[str, str, list[str], int, int, int, int], ...] = (
    ("大棚蔬菜冬季病害防治", "霜霉病、灰霉病的识别和用药", ["黄瓜", "番茄"], 1, 19, 60, 0),
    ("测土配方施肥入门", "怎样看懂化验单、算出施肥量", ["小麦", "玉米"], 2, 19, 60, 1),
    ("生猪春季防疫要点", "疫苗程序和消毒", ["生猪"], 3, 20, 45, 2),
    ("池塘水质调控", "增氧、调水和底质改良", ["草鱼", "鲫鱼"], 5, 19, 60, 3),
    ("樱桃避雨栽培", "避雨棚搭建与裂果预防", ["樱桃"], 7, 19, 90, 9),
    ("农机购置补贴政策解读", "申请流程与常见问题", ["农机"], 9, 15, 45, 6),
    ("合作社经营与订单农业", "怎样和超市、电商平台合作", ["蔬菜"], 12, 19, 60, 7),
    ("小麦条锈病早发现早防治", "田间识别和统防统治", ["小麦"], -3, 19, 60, 5),
)

TOPICS = (
    ("大棚黄瓜霜霉病", "黄瓜"),
    ("苹果树腐烂病复发", "苹果"),
    ("仔猪腹泻", "生猪"),
    ("鱼塘水发绿", "草鱼"),
    ("大棚土壤返盐", "西红柿"),
    ("玉米收获机调试", "玉米"),
)
BOOKINGS = (
    [ConsultationStatus.BOOKED] * 6
    + [ConsultationStatus.COMPLETED] * 6
    + [ConsultationStatus.CANCELLED] * 3
    + [ConsultationStatus.NO_SHOW] * 2
)


def _id(kind: int, n: int, at: datetime) -> ObjectId:
    """Time-ordered like a real ObjectId, and the same on every run (kinds 10–15: here)."""
    return ObjectId(f"{int(at.timestamp()):08x}{kind:08x}{n:08x}")


def _china(anchor: datetime, days: int, hour: int, minute: int = 0) -> datetime:
    day = anchor.astimezone(CHINA).date() + timedelta(days=days)
    return datetime.combine(day, time(hour, minute), CHINA)


def _regions() -> dict[str, Document]:
    return {r["_id"]: r for r in region_documents()}


def expert_users(password_hash: str, anchor: datetime) -> list[Document]:
    regions = _regions()
    village = [r for r in regions.values() if r["level"] == "VILLAGE"]
    joined = anchor - timedelta(days=60)
    return [
        user_document(
            phone=phone,
            password_hash=password_hash,
            name=name,
            village=village[(n * 4) % len(village)],
            role=Role.EXPERT,
        )
        | {"_id": _id(10, n, joined), "createdAt": joined}
        for n, (name, phone, *_) in enumerate(EXPERTS)
        if phone != DEMO_EXPERT_PHONE
    ]


def slot_documents(expert_ids: list[ObjectId], anchor: datetime) -> list[Document]:
    """Two weeks ahead: a morning and an afternoon slot a day per expert, on alternate days."""
    slots = []
    for e, expert_id in enumerate(expert_ids):
        for day in range(1, 15):
            if (day + e) % 2:
                continue
            for k, (hour, minutes) in enumerate(((9, 30), (15, 60))):
                start = _china(anchor, day, hour + e % 2)
                doc = slot_document(
                    expert_id=expert_id, starts_at=start, minutes=minutes, at=anchor
                )
                slots.append(doc | {"_id": _id(11, e * 100 + day * 2 + k, anchor)})
    return slots


def booking_documents(
    expert_ids: list[ObjectId], farmers: list[Document], anchor: datetime
) -> tuple[list[Document], list[Document]]:
    """(consultations, the past slots they were on): upcoming bookings take free future
    slots, the others sit on slots of the last week."""
    future = slot_documents(expert_ids, anchor)
    consultations, slots = [], []
    for n, status in enumerate(BOOKINGS):
        expert = n % len(expert_ids)
        topic, crop = TOPICS[n % len(TOPICS)]
        if status is ConsultationStatus.BOOKED:
            slot = next(s for s in future if s["expertId"] == expert_ids[expert]) | {}
            future.remove(next(s for s in future if s["_id"] == slot["_id"]))
        else:
            start = _china(anchor, -1 - n % 7, 10)
            slot = slot_document(
                expert_id=expert_ids[expert], starts_at=start, minutes=30, at=anchor
            )
            slot["_id"] = _id(12, n, anchor)
            slots.append(slot)
        cid = _id(13, n, anchor)
        farmer = farmers[(n * 3) % len(farmers)]
        booked_at = min(anchor, slot["startsAt"]) - timedelta(days=2)
        doc = consultation_document(
            consultation_id=cid,
            slot=slot,
            farmer_id=farmer["_id"],
            farmer_path=farmer["path"],
            topic=topic,
            description=f"{crop}最近出现问题，想请专家看看。",
            crop=crop,
            photos=[],
            question_id=None,
            idempotency_key=f"demo-consultation-{n:04d}",
            fingerprint=None,
            at=booked_at,
        )
        doc["roomKey"] = f"demo{n:04d}"
        _finish(doc, status, slot)
        slot["status"] = (
            SlotStatus.OPEN.value
            if status is ConsultationStatus.CANCELLED and n % 2
            else SlotStatus.BOOKED.value
        )
        slot["consultationId"] = None if slot["status"] == SlotStatus.OPEN.value else cid
        if status is ConsultationStatus.BOOKED:
            slots.append(slot)
        consultations.append(doc)
    return consultations, slots


def _finish(doc: Document, status: ConsultationStatus, slot: Document) -> None:
    if status is ConsultationStatus.BOOKED:
        return
    at = slot["endsAt"] if status is not ConsultationStatus.CANCELLED else slot["startsAt"]
    actor = doc["farmerId"] if status is ConsultationStatus.CANCELLED else doc["expertId"]
    event: Document = {"status": status.value, "at": at - timedelta(hours=3), "actorId": actor}
    doc.update(status=status.value, updatedAt=event["at"])
    if status is ConsultationStatus.COMPLETED:
        event["at"] = at
        doc["advice"] = "按时喷药，注意通风降湿；一周后拍照复诊。"
        stars = 5 - doc["_id"].binary[-1] % 2
        doc["rating"] = {"stars": stars, "comment": "讲得很清楚", "at": at + timedelta(hours=2)}
    elif status is ConsultationStatus.CANCELLED:
        event["reason"] = "家里有事"
        doc.update(cancelledBy=actor, cancelReason="家里有事")
    doc["history"].append(event)


def question_documents(
    farmer_ids: list[ObjectId],
    expert_ids: list[ObjectId],
    anchor: datetime,
    specialties: list[list[str]],
) -> list[Document]:
    villages = [r for r in region_documents() if r["level"] == "VILLAGE"]
    docs = []
    for n, (specialty, crop, text, answer) in enumerate(QUESTIONS):
        asked = anchor - timedelta(days=40 - n % 40, hours=n)
        doc = question_document(
            asker_id=farmer_ids[(n * 5) % len(farmer_ids)],
            village=villages[(n * 7) % len(villages)],
            specialty=specialty,
            crop=crop,
            text=text,
            photos=[],
            at=asked,
        )
        doc["_id"] = _id(14, n, asked)
        if answer is not None:
            answerer = next(
                (
                    e
                    for e, spec in zip(expert_ids, specialties, strict=True)
                    if specialty.value in spec
                ),
                expert_ids[0],
            )
            answered = asked + timedelta(hours=5)
            reply = answer_document(answerer, answer, answered) | {"_id": _id(15, n, answered)}
            doc.update(
                answers=[reply],
                status=QuestionStatus.ANSWERED.value,
                answeredAt=answered,
                queueRank=queue_rank(QuestionStatus.ANSWERED, asked, answered),
            )
            doc["searchTokens"] = question_tokens(doc)
        docs.append(doc)
    return docs


def lecture_documents(expert_ids: list[ObjectId], anchor: datetime) -> list[Document]:
    docs = []
    for n, (title, topic, crops, days, hour, minutes, expert) in enumerate(LECTURES):
        start = _china(anchor, days, hour)
        doc = lecture_document(
            expert_id=expert_ids[expert],
            title=title,
            topic=topic,
            crops=crops,
            starts_at=start,
            minutes=minutes,
            stream_url=f"https://live.sannong.example/lecture/{n + 1}",
            capacity=500,
            at=anchor - timedelta(days=7),
        )
        if days < 0:
            doc["replayUrl"] = f"https://live.sannong.example/replay/{n + 1}"
        docs.append(doc | {"_id": _id(16, n, anchor)})
    return docs


async def seed_experts(db: Database, passwords: Passwords, *, anchor: datetime) -> None:
    users = expert_users("", anchor)
    missing = [u for u in users if not await db.users.find_one({"phone": u["phone"]}, {"_id": 1})]
    if missing:
        password_hash = await passwords.hash(DEMO_EXPERT_PASSWORD)  # one hash, shared: demo only
        await insert_missing(db.users, [u | {"passwordHash": password_hash} for u in missing])
    by_phone = {
        u["phone"]: u["_id"]
        async for u in db.users.find({"phone": {"$in": [e[1] for e in EXPERTS]}}, {"phone": 1})
    }
    expert_ids = [by_phone[phone] for _, phone, *_ in EXPERTS]
    regions = _regions()
    consultations, past_slots = booking_documents(expert_ids, farmer_documents("", anchor), anchor)
    ratings: dict[ObjectId, list[int]] = {}
    for doc in consultations:
        if doc["rating"]:
            ratings.setdefault(doc["expertId"], []).append(doc["rating"]["stars"])
    profiles = []
    for n, (_, _, specialties, organization, title, region) in enumerate(EXPERTS):
        profile = expert_document(
            user_id=expert_ids[n],
            specialties=list(specialties),
            organization=organization,
            title=title,
            bio=BIO,
            regions=[regions[region]],
            at=anchor - timedelta(days=60),
        )
        stars = ratings.get(expert_ids[n], [])
        profile.update(ratingSum=sum(stars), ratingCount=len(stars), consultationCount=len(stars))
        profiles.append(profile)
    questions = question_documents(
        [f["_id"] for f in farmer_documents("", anchor)],
        expert_ids,
        anchor,
        [p["specialties"] for p in profiles],
    )
    answers: dict[ObjectId, int] = {}
    for q in questions:
        for a in q["answers"]:
            answers[a["expertId"]] = answers.get(a["expertId"], 0) + 1
    for profile in profiles:
        profile["answerCount"] = answers.get(profile["_id"], 0)
    await insert_missing(db.experts, profiles)
    booked_ids = {s["_id"] for s in past_slots}
    await insert_missing(
        db.consultation_slots,
        past_slots + [s for s in slot_documents(expert_ids, anchor) if s["_id"] not in booked_ids],
    )
    await insert_missing(db.consultations, consultations)
    await insert_missing(db.questions, questions)
    lectures = lecture_documents(expert_ids, anchor)
    await insert_missing(db.video_sessions, lectures)
    for doc in consultations:
        if doc["status"] == ConsultationStatus.BOOKED.value:
            await schedule_reminders(db, doc)
    for lecture in lectures:
        if lecture["startsAt"] > anchor:
            await schedule_lecture_reminder(db, lecture)
