"""A small **generated** relation-extraction set in the DuIE 2019 format, for tests and demos.

No real relation data (DuIE, NYT...) can be installed from a package registry, so this builds
Chinese sentences from templates over made-up names, real city names, universities and made-up
companies, with predicates 出生地 (birthplace), 毕业院校 (university), 创始人 (founder) and
总部地点 (headquarters). It shows the pipeline works and that a model can learn the pointer
scheme; it says nothing about accuracy on real text. Some sentences hold no triple, some two or
three, some share a subject across predicates.

>>> records = generate_relation_examples(3, seed=1)
>>> sorted(records[0])
['spo_list', 'text']
"""

from __future__ import annotations

import random
from typing import Any

PREDICATES = ("出生地", "毕业院校", "创始人", "总部地点")

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
_GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
          "明", "超", "秀英", "霞", "平", "刚", "桂英", "建华", "志强", "晓东", "海燕", "文博",
          "子涵", "雨桐", "浩然", "思远", "欣怡", "俊杰", "嘉怡", "宇轩", "梦琪", "一鸣", "立新"]
_PLACES = ["北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "西安", "南京", "重庆", "天津",
           "苏州", "长沙", "郑州", "青岛", "沈阳", "宁波", "昆明", "大连", "厦门", "合肥", "福州",
           "哈尔滨", "济南", "温州", "南宁", "长春", "泉州", "石家庄", "贵阳", "南昌", "太原"]
_SCHOOLS = ["清华大学", "复旦大学", "浙江大学", "南开大学", "中山大学", "同济大学", "武汉大学",
            "厦门大学", "四川大学", "吉林大学", "山东大学", "湖南大学", "兰州大学", "东南大学",
            "重庆大学", "天津大学", "中南大学", "苏州大学", "郑州大学", "云南大学"]
_COMPANY_HEADS = ["华星", "远航", "蓝海", "星辰", "锦程", "卓越", "鼎盛", "天成", "启明", "恒通",
                  "新锐", "博远", "宏图", "凌云", "安泰", "瑞丰", "金桥", "长风", "汇智", "聚源"]
_COMPANY_TAILS = ["科技有限公司", "集团", "网络公司", "电子公司", "传媒公司", "生物科技公司"]


def _person(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + rng.choice(_GIVEN)


def _company(rng: random.Random) -> str:
    return rng.choice(_COMPANY_HEADS) + rng.choice(_COMPANY_TAILS)


def _one(rng: random.Random) -> dict[str, Any]:
    p, q = _person(rng), _person(rng)
    while q == p:
        q = _person(rng)
    place, place2 = rng.sample(_PLACES, 2)
    school, company = rng.choice(_SCHOOLS), _company(rng)
    templates = [
        (f"{p}出生于{place}。", [(p, "出生地", place)]),
        (f"{p}，{place}人，毕业于{school}。", [(p, "出生地", place), (p, "毕业院校", school)]),
        (f"{p}毕业于{school}，随后进入{company}工作。", [(p, "毕业院校", school)]),
        (f"{company}由{p}于{rng.randint(1990, 2020)}年在{place}创立。",
         [(company, "创始人", p), (company, "总部地点", place)]),
        (f"{company}的总部位于{place}，创始人是{p}和{q}。",
         [(company, "总部地点", place), (company, "创始人", p), (company, "创始人", q)]),
        (f"{p}和{q}都出生在{place}，后来一起去{place2}旅行。",
         [(p, "出生地", place), (q, "出生地", place)]),
        (f"{p}上周去{place}参加了{company}的年会。", []),
        (f"据报道，{place}今年的降雨量比往年多。", []),
        (f"{q}说，{p}在{school}读书时就立志创业，后来创办了{company}。",
         [(p, "毕业院校", school), (company, "创始人", p)]),
    ]
    text, triples = rng.choice(templates)
    return {"text": text, "spo_list": [{"subject": s, "predicate": r, "object": o}
                                       for s, r, o in triples]}


def generate_relation_examples(n: int = 200, seed: int = 0) -> list[dict[str, Any]]:
    """``n`` generated DuIE-format records (``{"text", "spo_list"}``), seeded."""
    rng = random.Random(seed)
    return [_one(rng) for _ in range(n)]
