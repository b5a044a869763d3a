"""The demo's curricula: the city's theory seminar meets every teaching indicator; the
rural-revitalization class is under them (too little theory and party spirit, no case
teaching), so its class page shows the shortfalls. Also the institutions' capacities and
the day each outstanding young cadre was flagged."""

import datetime as dt
from decimal import Decimal

from django.db.models.functions import Mod

from dispatch.models import ClassSession, Institution, TrainingClass
from dispatch.services.curriculum import class_session_save
from org.models import Cadre

#: class name → sessions (day of the class, title, hours, content, method, teacher, leading)
CURRICULA = {
    "学习贯彻党的创新理论专题研讨班": [
        (
            0,
            "开班式暨专题辅导：习近平新时代中国特色社会主义思想",
            8,
            "theory",
            "lecture",
            "市委书记",
            True,
        ),
        (1, "党章党规党纪专题", 4, "party_spirit", "lecture", "市纪委书记", True),
        (1, "党性教育现场教学", 4, "party_spirit", "interactive", "党史馆讲解员", False),
        (
            2,
            "典型案例剖析：以理论武装推动工作落实",
            6,
            "theory",
            "case_teaching",
            "党校教授",
            False,
        ),
        (3, "分组研讨：学思践悟", 4, "theory", "interactive", "党校教研室", False),
        (3, "马克思主义中国化时代化专题", 4, "theory", "lecture", "党校教授", False),
        (4, "推动高质量发展专题", 6, "professional", "lecture", "市发改委主任", False),
        (4, "数字政府建设实务", 4, "professional", "lecture", "高校教授", False),
    ],
    "乡村振兴专题培训班": [
        (0, "乡村振兴战略解读", 8, "theory", "lecture", "市委副书记", True),
        (1, "新时代党的建设", 8, "theory", "lecture", "干部学院教授", False),
        (2, "党性修养专题", 12, "party_spirit", "lecture", "干部学院教授", False),
        (3, "现代农业产业发展", 10, "professional", "lecture", "农科院研究员", False),
        (4, "农村集体经济实务", 10, "professional", "lecture", "农业农村局局长", False),
        (5, "乡村振兴示范村现场教学", 8, "interactive", "interactive", "示范村党支部书记", False),
    ],
}
CAPACITIES = {"xx-dx": 300, "xx-gbxy": 200}


def run(today: dt.date) -> bool:
    if ClassSession.objects.exists():
        return False
    created = False
    for name, sessions in CURRICULA.items():
        training_class = TrainingClass.objects.filter(name=name).first()
        if training_class is None:
            continue
        for day, title, hours, content, method, teacher, leading in sessions:
            class_session_save(
                actor=None,
                session=ClassSession(
                    training_class=training_class,
                    date=training_class.start_date + dt.timedelta(days=day),
                    title=title,
                    hours=Decimal(hours),
                    content=content,
                    method=method,
                    teacher=teacher,
                    by_leading_cadre=leading,
                ),
            )
            created = True
    for code, capacity in CAPACITIES.items():
        Institution.objects.filter(unit__code=code, capacity__isnull=True).update(capacity=capacity)
    # Flagged one to four years ago, so some are due soon and none is overdue yet.
    flagged = Cadre.objects.filter(is_young_cadre=True, young_cadre_since__isnull=True)
    for years in range(4):
        since = today.replace(day=1) - dt.timedelta(days=365 * (years + 1))
        flagged.annotate(turn=Mod("pk", 4)).filter(turn=years).update(young_cadre_since=since)
    return created
