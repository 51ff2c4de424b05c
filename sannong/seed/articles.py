"""Demo technical articles, as an agronomist of the county 农技站 would write them."""

import hashlib
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from bson import ObjectId

from sannong.clock import CHINA, today_in_china
from sannong.db import Database
from sannong.rules.articles import article_document
from sannong.seed.batches import upsert_all

SHOUGUANG = "370783000000"
QINGZHOU = "370781000000"
YINAN = "371321000000"


@dataclass(frozen=True)
class DemoArticle:
    key: str
    title: str
    category: str
    crops: tuple[str, ...]
    regions: tuple[str, ...]
    paragraphs: tuple[str, ...]


ARTICLES: tuple[DemoArticle, ...] = (
    DemoArticle(
        "rice-blast",
        "水稻稻瘟病的识别与综合防治",
        "PEST_CONTROL",
        ("rice",),
        (),
        (
            "稻瘟病是水稻上危害最重的病害之一，俗称“火烧瘟”“吊颈瘟”，苗期、分蘖期到抽穗期都可发生，"
            "以叶瘟和穗颈瘟损失最大，重病田减产三成以上。",
            "识别要点：叶片上出现梭形病斑，中央灰白色、边缘褐色，外围有黄色晕圈；穗颈受害后变褐枯死，"
            "形成白穗。阴雨寡照、雾多露重、偏施氮肥的田块最易流行。",
            "防治措施：选用抗病品种，播种前用咪鲜胺浸种；合理施肥，控氮增钾，浅水勤灌；"
            "在破口前 3 至 5 天和齐穗期各喷一次三环唑或稻瘟灵，发病中心要先挑治再全田防治。",
        ),
    ),
    DemoArticle(
        "rice-late-management",
        "水稻灌浆期田间管理要点",
        "PLANTING",
        ("rice",),
        (),
        (
            "灌浆期是决定粒重的关键时期，要做到干湿交替、以湿为主，收割前 7 天左右断水，"
            "切忌断水过早造成早衰。",
            "这一时期仍需注意稻曲病、纹枯病和稻飞虱，连续阴雨时要防止稻瘟病穗颈瘟扩展，"
            "可结合叶面喷施磷酸二氢钾增强抗性。",
        ),
    ),
    DemoArticle(
        "wheat-scab",
        "小麦赤霉病预防技术",
        "PEST_CONTROL",
        ("wheat",),
        (),
        (
            "赤霉病是小麦“癌症”，扬花期遇连阴雨极易暴发，病穗产生的毒素影响人畜健康。",
            "坚持“见花打药”：小麦扬花 10% 左右时第一次喷药，药剂可选氰烯菌酯、戊唑醇或丙硫菌唑，"
            "隔 5 到 7 天再喷一次。喷药后 6 小时内遇雨要补喷。",
        ),
    ),
    DemoArticle(
        "wheat-winter",
        "冬小麦安全越冬管理措施",
        "PLANTING",
        ("wheat",),
        (SHOUGUANG, QINGZHOU),
        (
            "日平均气温降到 3℃ 左右、夜冻昼消时浇越冬水，能踏实土壤、防止冻害，"
            "浇水量以当天渗完为宜。",
            "旺长麦田可在冬前镇压控旺，弱苗田结合浇水追施少量尿素，促弱转壮。",
        ),
    ),
    DemoArticle(
        "wheat-rust",
        "小麦条锈病发生特点与防治",
        "PEST_CONTROL",
        ("wheat",),
        (),
        (
            "条锈病病斑呈鲜黄色，沿叶脉排列成条状，气温 9℃ 至 16℃、多雨高湿时扩展很快。",
            "要做到“发现一点、控制一片”，发病初期用三唑酮、烯唑醇或戊唑醇喷雾，"
            "重病田间隔 7 天左右再防一次。",
        ),
    ),
    DemoArticle(
        "corn-borer",
        "玉米螟的发生规律与绿色防控",
        "PEST_CONTROL",
        ("corn",),
        (),
        (
            "玉米螟以幼虫蛀食心叶和茎秆，造成“花叶”和折茎，穗期钻蛀雌穗，危害大、减产重。",
            "绿色防控：越冬代成虫羽化期设置杀虫灯和性诱捕器；大喇叭口期释放赤眼蜂，"
            "或用苏云金杆菌颗粒剂丢心；虫量大时可选用氯虫苯甲酰胺喷雾。",
        ),
    ),
    DemoArticle(
        "corn-armyworm",
        "草地贪夜蛾监测与应急防治",
        "PEST_CONTROL",
        ("corn",),
        (),
        (
            "草地贪夜蛾是迁飞性重大害虫，低龄幼虫在心叶内取食，留下“窗孔”状食痕和大量虫粪。",
            "各村要加强田间巡查，发现幼虫及时报告农技站；防治适期在低龄幼虫期，"
            "清晨或傍晚对准心叶喷施甲氨基阿维菌素苯甲酸盐、乙基多杀菌素等药剂。",
        ),
    ),
    DemoArticle(
        "corn-harvest",
        "玉米适时晚收增产技术",
        "PLANTING",
        ("corn",),
        (),
        (
            "玉米籽粒乳线消失、基部出现黑层时才是生理成熟，此时收获产量最高，"
            "比提前收获每亩可增产 50 公斤以上。",
            "收获后要及时晾晒，籽粒含水量降到 14% 以下再入仓，防止霉变。",
        ),
    ),
    DemoArticle(
        "tomato-virus",
        "设施番茄黄化曲叶病毒病防控",
        "PEST_CONTROL",
        ("tomato",),
        (SHOUGUANG,),
        (
            "番茄黄化曲叶病毒病由烟粉虱传播，病株矮缩、叶片黄化卷曲，坐果少，一旦发病无药可治。",
            "关键是防虱控病：选用抗病品种，育苗棚和生产棚风口加装 60 目防虫网，"
            "悬挂黄板诱杀，定植后发现病株及时拔除带出棚外。",
        ),
    ),
    DemoArticle(
        "cucumber-downy",
        "黄瓜霜霉病的识别与防治",
        "PEST_CONTROL",
        ("cucumber",),
        (SHOUGUANG,),
        (
            "霜霉病在叶片上形成受叶脉限制的多角形黄褐色病斑，湿度大时叶背长出灰黑色霉层。",
            "棚室要加强通风排湿，上午闭棚升温至 32℃ 左右可抑制病菌；"
            "发病初期用烯酰吗啉、霜脲·锰锌等药剂喷雾，注意轮换用药。",
        ),
    ),
    DemoArticle(
        "greenhouse-winter",
        "冬季日光温室保温增光措施",
        "PLANTING",
        ("cucumber", "tomato", "pepper"),
        (SHOUGUANG,),
        (
            "寒潮来临前要检查棚膜和保温被，修补破损处，棚前设防寒沟；连阴天也要短时揭帘见散射光。",
            "棚内可张挂反光幕、使用补光灯，雨雪天气及时清扫棚面积雪，防止压塌棚架。",
        ),
    ),
    DemoArticle(
        "pepper-blight",
        "辣椒疫病综合防治技术",
        "PEST_CONTROL",
        ("pepper",),
        (),
        (
            "辣椒疫病发病快、传播猛，茎基部出现暗绿色水渍状病斑，很快全株萎蔫。",
            "采用高垄栽培、膜下滴灌，避免大水漫灌；发病初期用甲霜灵锰锌或烯酰吗啉灌根，"
            "每株 250 毫升，7 天一次，连续两到三次。",
        ),
    ),
    DemoArticle(
        "napa-storage",
        "大白菜贮藏保鲜技术要点",
        "PLANTING",
        ("napa",),
        (),
        (
            "准备贮藏的大白菜收获前 7 到 10 天停止浇水，晴天收获，晾晒至外叶发软再入窖。",
            "窖温保持在 0℃ 至 2℃，定期倒菜、剥除烂叶，可贮藏到翌年春天，错峰上市收益更高。",
        ),
    ),
    DemoArticle(
        "garlic-fertilizer",
        "大蒜科学施肥与田间管理",
        "PLANTING",
        ("garlic",),
        (YINAN,),
        (
            "大蒜喜肥，底肥以腐熟有机肥为主，每亩配合施用硫酸钾型复合肥 50 公斤。",
            "返青期和蒜薹伸长期是两次追肥关键期，蒜头膨大期要保持土壤湿润，收获前一周停水。",
        ),
    ),
    DemoArticle(
        "ginger-rot",
        "生姜姜瘟病的预防措施",
        "PEST_CONTROL",
        ("ginger",),
        (),
        (
            "姜瘟病又称青枯病，一旦发病传播很快，常造成成片死亡，俗称“姜农的心病”。",
            "选无病姜块作种，实行三年以上轮作；发现病株立即连土挖除，病穴撒石灰消毒，"
            "并用中生菌素或噻菌铜灌根保护周边植株。",
        ),
    ),
    DemoArticle(
        "potato-late-blight",
        "马铃薯晚疫病预警与防治",
        "PEST_CONTROL",
        ("potato",),
        (),
        (
            "晚疫病是马铃薯毁灭性病害，叶片出现水渍状褐色病斑，湿度大时病斑边缘有白霉。",
            "连续阴雨要提前用代森锰锌保护，发病后改用氟菌·霜霉威或烯酰吗啉，7 天一次。",
        ),
    ),
    DemoArticle(
        "apple-bagging",
        "苹果套袋技术与注意事项",
        "PLANTING",
        ("apple",),
        (QINGZHOU,),
        (
            "苹果套袋能减少病虫危害和农药残留，果面光洁、着色好，商品果率明显提高。",
            "套袋前 1 至 2 天全园喷一遍杀菌杀虫剂，药干后再套；"
            "套袋时袋口扎紧，避免雨水和害虫进入。",
        ),
    ),
    DemoArticle(
        "apple-canker",
        "苹果树腐烂病的防治方法",
        "PEST_CONTROL",
        ("apple",),
        (QINGZHOU,),
        (
            "腐烂病主要危害枝干，病部树皮红褐色、水渍状，有酒糟味，严重时整株死亡。",
            "春季发现病斑要刮到健康组织，刮后涂甲基硫菌灵糊剂或腐植酸铜；秋季树干涂白，增强树势。",
        ),
    ),
    DemoArticle(
        "peach-pruning",
        "桃树夏季修剪技术",
        "PLANTING",
        ("peach",),
        (),
        (
            "夏剪能改善通风透光，减少无效消耗。抹芽去除背上直立芽和过密芽，"
            "新梢长到 30 厘米时摘心。",
            "采果后疏除徒长枝和病虫枝，为明年培养健壮的结果枝。",
        ),
    ),
    DemoArticle(
        "grape-downy",
        "葡萄霜霉病防治技术",
        "PEST_CONTROL",
        ("grape",),
        (),
        (
            "葡萄霜霉病多在雨季发生，叶面出现黄色油渍状斑，叶背产生白色霜状霉层，引起早期落叶。",
            "要及时绑蔓、摘心、清除下部老叶，雨前喷波尔多液保护，发病后用烯酰吗啉或霜脲氰治疗。",
        ),
    ),
    DemoArticle(
        "strawberry-greenhouse",
        "设施草莓高产栽培技术",
        "PLANTING",
        ("strawberry",),
        (),
        (
            "草莓定植时做到“深不埋心、浅不露根”，弓背朝向垄沟，便于花序伸出垄外。",
            "开花期棚内放养蜜蜂辅助授粉，白天温度控制在 22℃ 至 25℃，可明显减少畸形果。",
        ),
    ),
    DemoArticle(
        "hog-asf",
        "非洲猪瘟防控生物安全措施",
        "LIVESTOCK",
        ("hog",),
        (),
        (
            "非洲猪瘟目前没有疫苗，防控关键在生物安全：严格限制人员、车辆进出，进场必须洗消。",
            "禁止使用泔水喂猪，做好灭鼠灭蝇；发现猪只高热、皮肤发红或突然死亡，要立即报告畜牧站。",
        ),
    ),
    DemoArticle(
        "piglet-care",
        "仔猪断奶前后的饲养管理",
        "LIVESTOCK",
        ("piglet",),
        (),
        (
            "仔猪 7 日龄开始补料，21 至 28 日龄断奶；断奶后一周内饲料不要突然更换，少喂多餐。",
            "保温是关键，保育舍温度保持在 26℃ 左右，注意防止腹泻和圆环病毒感染。",
        ),
    ),
    DemoArticle(
        "cattle-fattening",
        "肉牛育肥期科学饲喂",
        "LIVESTOCK",
        ("beef",),
        (),
        (
            "育肥前先驱虫健胃，分阶段调整精粗比例，后期精料可提高到 60% 以上。",
            "青贮玉米是优质粗饲料，每天每头喂 15 至 20 公斤，保证清洁饮水，"
            "育肥期 6 到 8 个月出栏。",
        ),
    ),
    DemoArticle(
        "laying-hens-summer",
        "蛋鸡夏季防暑降温技术",
        "LIVESTOCK",
        ("egg",),
        (),
        (
            "气温超过 30℃ 时蛋鸡采食量下降、产蛋率降低，严重时发生热应激死亡。",
            "鸡舍安装湿帘风机，饮水中添加维生素 C 和电解多维，饲喂时间改在早晚凉爽时段。",
        ),
    ),
    DemoArticle(
        "fish-pond-oxygen",
        "高温季节鱼塘防浮头措施",
        "AQUACULTURE",
        ("grass-carp", "carp"),
        (),
        (
            "闷热天气、雷阵雨前后池塘容易缺氧，鱼类浮头甚至泛塘，凌晨最危险。",
            "晴天中午开增氧机 1 至 2 小时，傍晚不开、半夜早开；发现浮头立即冲注新水并投放增氧剂。",
        ),
    ),
    DemoArticle(
        "shrimp-culture",
        "南美白对虾养殖水质调控",
        "AQUACULTURE",
        ("shrimp",),
        (),
        (
            "对虾养殖要控制好水色和透明度，透明度保持在 30 至 40 厘米，pH 值 7.8 至 8.6。",
            "定期使用芽孢杆菌、光合细菌等微生态制剂，减少换水，避免水质大起大落引起应激。",
        ),
    ),
    DemoArticle(
        "tea-spring",
        "春茶采摘与加工要点",
        "PLANTING",
        ("green-tea",),
        (YINAN,),
        (
            "春茶采摘以一芽一叶、一芽二叶初展为标准，晴天露水干后采摘，不采雨水叶。",
            "鲜叶要摊放在阴凉通风处，及时杀青、揉捻、干燥，保持绿茶的色泽和香气。",
        ),
    ),
    DemoArticle(
        "subsidy-2026",
        "2026 年耕地地力保护补贴发放说明",
        "POLICY",
        (),
        (),
        (
            "耕地地力保护补贴发放对象为拥有耕地承包权的种地农民，补贴资金通过“一卡通”直接发放。",
            "请农户核对承包地面积和银行卡信息，如有疑问及时向村委会或乡镇财政所反映。",
        ),
    ),
    DemoArticle(
        "machinery-subsidy",
        "农机购置补贴申请流程",
        "MACHINERY",
        (),
        (),
        (
            "农户购买补贴目录内的农机具后，持身份证、发票和机具铭牌照片到乡镇农机站申请。",
            "补贴实行“先购后补、县级结算、直补到卡”，办理进度可在手机上查询。",
        ),
    ),
    DemoArticle(
        "drone-spraying",
        "植保无人机飞防作业注意事项",
        "MACHINERY",
        ("wheat", "corn"),
        (),
        (
            "飞防作业前要查看天气，风力超过 3 级或即将降雨时不宜作业，"
            "作业高度保持在作物上方 2 米左右。",
            "选用适合飞防的药剂，加入沉降剂减少飘移，作业后及时清洗药箱。",
        ),
    ),
    DemoArticle(
        "vegetable-market-autumn",
        "入秋后寿光蔬菜价格走势分析",
        "MARKET",
        ("cucumber", "tomato", "napa"),
        (SHOUGUANG,),
        (
            "随着气温下降，露地菜陆续下市，设施蔬菜上市量增加，黄瓜、番茄价格有所回升。",
            "预计后期大白菜集中上市，价格将保持低位，种植户可适当安排贮藏，错峰销售。",
        ),
    ),
    DemoArticle(
        "hog-price-outlook",
        "生猪价格走势与养殖户应对",
        "MARKET",
        ("hog", "pork"),
        (),
        (
            "近期生猪出栏量增加，价格小幅回落，养殖户应合理控制出栏体重，避免压栏。",
            "做好成本核算，关注能繁母猪存栏变化，理性补栏。",
        ),
    ),
    DemoArticle(
        "soil-testing",
        "测土配方施肥怎么做",
        "PLANTING",
        ("wheat", "corn", "peanut"),
        (),
        (
            "测土配方施肥就是根据土壤养分状况和作物需肥规律，确定施肥的种类、数量和时期。",
            "农户可在秋收后到农技站免费送检土样，按配方卡施肥，一般可节肥一成、增产一成。",
        ),
    ),
)


def _article_id(key: str) -> ObjectId:
    return ObjectId(hashlib.sha1(f"article:{key}".encode()).hexdigest()[:24])


def article_documents(author_id: Any) -> list[dict[str, Any]]:
    """Newest first in the list order: one article a day, at 8 o'clock Beijing time."""
    today = today_in_china()
    documents = []
    for age, article in enumerate(ARTICLES):
        published = datetime.combine(today - timedelta(days=age), time(8), tzinfo=CHINA)
        doc = article_document(
            title=article.title,
            body_html="".join(f"<p>{p}</p>" for p in article.paragraphs),
            category=article.category,
            summary=None,
            commodity_ids=list(article.crops),
            region_ids=list(article.regions),
            author_id=author_id,
            published_at=published,
        )
        documents.append({"_id": _article_id(article.key), **doc})
    return documents


async def seed_articles(db: Database, author_phone: str) -> None:
    author = await db.users.find_one({"phone": author_phone}, {"_id": 1})
    await upsert_all(db.articles, article_documents(author["_id"] if author else None))
