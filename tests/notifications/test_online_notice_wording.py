"""The builders word an online class's notices for online study: when and where to log in
(the institution, and the platform its location names, never just 线上), requirements
without 按时报到; a makeup into an online class likewise."""

import datetime as dt

from notifications.documents import builders
from notifications.documents.context import Issuer
from notifications.documents.render import render_pdf
from tests.pdftools import flat

ISSUER = Issuer(name="中共XX市委组织部", code="X组通")
TRAINEE = {"name": "王堃", "unit": "XX市发展和改革委员会", "position": "副主任"}


def online_class(location="线上", **extra):
    return {
        "name": "网络专题班：数字政府建设",
        "start_date": dt.date(2027, 2, 3),
        "end_date": dt.date(2027, 3, 4),
        "report_date": dt.date(2027, 2, 3),
        "location": location,
        "institution": "XX市干部网络学院",
        "credit_hours": "30",
        "online": True,
        **extra,
    }


def text_of(context) -> str:
    return flat(render_pdf(context, document_number="X组通〔2027〕3号").data)


def test_the_admission_notice_of_an_online_class_asks_to_log_in():
    text = text_of(
        builders.admission_notice(
            issuer=ISSUER, training_class=online_class(), trainee=TRAINEE, date=dt.date(2027, 1, 5)
        )
    )
    assert "请于2027年2月3日起登录XX市干部网络学院参加网络学习" in text
    assert "2027年3月4日前完成全部课程" in text
    assert "报到" not in text and "携带本通知" not in text


def test_a_platform_named_by_the_location_is_printed_beside_the_institution():
    context = builders.admission_notice(
        issuer=ISSUER,
        training_class=online_class(location="study.xx.gov.cn"),
        trainee=TRAINEE,
        date=dt.date(2027, 1, 5),
    )
    body = "".join(str(getattr(block, "text", "")) for block in context.body)
    assert "登录XX市干部网络学院（study.xx.gov.cn）参加网络学习" in body


def test_the_dispatch_notice_of_an_online_class_gives_the_way_of_study():
    text = text_of(
        builders.dispatch_notice(
            issuer=ISSUER,
            training_class=online_class(),
            cadres=[TRAINEE],
            date=dt.date(2027, 1, 5),
            reply_by=dt.date(2027, 1, 20),
        )
    )
    assert "培训方式为网络培训" in text and "学习方式网络培训" in text
    assert "报到" not in text and "培训地点" not in text


def test_the_makeup_notice_of_an_online_class_asks_to_log_in():
    context = builders.makeup_notice(
        issuer=ISSUER,
        makeup_class=online_class(),
        cadres=[{**TRAINEE, "missed_class": "全市处级干部进修班", "reason": "缺训"}],
        date=dt.date(2027, 1, 5),
    )
    body = "".join(str(getattr(block, "text", "")) for block in context.body)
    assert "方式为网络培训" in body and "请于2027年2月3日起登录XX市干部网络学院" in body
    assert "报到" not in body


def test_a_classroom_class_keeps_its_report_wording():
    text = text_of(
        builders.admission_notice(
            issuer=ISSUER,
            training_class=online_class(online=False, location="XX市新华路88号"),
            trainee=TRAINEE,
            date=dt.date(2027, 1, 5),
        )
    )
    assert (
        "请于2027年2月3日到XX市干部网络学院报到，地址为XX市新华路88号。报到时请携带本通知" in text
    )
