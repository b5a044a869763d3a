"""The demo's trainee feedback and post-training follow-up: the eight cadres of the
finished 全市处科级干部进修班（第一期） attended it (demo.scenario) and got their
evaluations; the class's curriculum is recorded, five trainees with logins evaluated the
class and its sessions (`xx-fgw.trainee2` still has it to fill in); the follow-ups fell
due a month after the class (the city's setting), and the heads of 市发改委 and
市教育局 answered theirs while the others stay open in their heads' 我的待办."""

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Q

from demo.scenario import FINISHED_CLASS
from dispatch.models import ClassSession, SessionContent, TrainingClass
from dispatch.services.curriculum import class_session_save
from feedback import services
from feedback.flows import FollowUpFlow, start_due_follow_ups
from feedback.models import Applied, Evaluation, FollowUp
from workflow.runtime import complete_task, open_task, processes_of

SESSIONS = [
    ("习近平新时代中国特色社会主义思想专题", SessionContent.THEORY, "市委党校 王教授", False),
    ("全面从严治党与党性修养", SessionContent.PARTY_SPIRIT, "市纪委 李副书记", True),
    ("招商引资典型案例分析", SessionContent.CASE_TEACHING, "市商务局 赵局长", True),
    ("基层治理现场教学", SessionContent.INTERACTIVE, "市委党校 孙老师", False),
]
#: the trainees with logins who evaluate, and what they answer (class, each session)
ANSWERS = {
    "xx-fgw.trainee1": (5, [5, 4, 5, 4], "课程安排紧凑，案例教学很有启发。"),
    "xx-jyj.trainee1": (4, [4, 5, 4, 3], "希望增加现场教学时间。"),
    "xx-jyj.trainee2": (5, [5, 5, 4, 4], ""),
    "xx-ct.trainee1": (4, [4, 4, 5, 4], "建议多邀请企业一线负责人授课。"),
    "xx-ct.trainee2": (3, [3, 4, 4, 3], "部分专题与工作结合不够紧密。"),
}
#: the heads who answer their units' follow-ups; the others stay open
ANSWERING_HEADS = {"xx-fgw": (Applied.YES, 5), "xx-jyj": (Applied.PARTLY, 4)}


def _user(username):
    return get_user_model().objects.filter(username=username).first()


def run(today) -> bool:
    training_class = TrainingClass.objects.filter(name=FINISHED_CLASS).first()
    if training_class is None or training_class.sessions.exists():
        return False
    if not training_class.evaluations.exists():
        return False  # nobody attended it: the scenario did not run
    dispatcher = _user("xx.dispatcher")
    for n, (title, content, teacher, leading) in enumerate(SESSIONS):
        class_session_save(
            actor=dispatcher,
            session=ClassSession(
                training_class=training_class,
                date=training_class.start_date + dt.timedelta(days=2 + 7 * n),
                title=title,
                hours=Decimal("6"),
                teacher=teacher,
                by_leading_cadre=leading,
                content=content,
            ),
        )

    # The trainees' evaluations (one left open).
    sessions = list(training_class.sessions.order_by("date", "pk"))
    for username, (score, session_scores, comment) in ANSWERS.items():
        user = _user(username)
        evaluation = Evaluation.objects.get(training_class=training_class, cadre__user=user)
        services.evaluation_submit(
            actor=user,
            evaluation=evaluation,
            score=score,
            comment=comment,
            sessions={s.pk: (v, "") for s, v in zip(sessions, session_scores, strict=True)},
        )

    # A month after the class the follow-ups fell due; two heads answered.
    start_due_follow_ups(today)
    for code, (applied, rating) in ANSWERING_HEADS.items():
        head = _user(f"{code}.head")
        for follow_up in FollowUp.objects.filter(
            Q(training_class=training_class), unit__code=code
        ).select_related("cadre", "unit"):
            process = processes_of(follow_up, FollowUpFlow).get()
            complete_task(
                open_task(process, "complete"),
                head,
                lambda follow_up=follow_up, head=head, applied=applied, rating=rating: (
                    services.follow_up_complete(
                        actor=head,
                        follow_up=follow_up,
                        applied=applied,
                        rating=rating,
                        comment="学以致用，工作成效明显。" if applied == Applied.YES else "",
                    )
                ),
            )
    return True
