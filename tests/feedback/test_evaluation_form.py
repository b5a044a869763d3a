"""The trainee's evaluation form as read on a phone: each session's comment box says which
course it is about and follows that course's score (five boxes all labelled 意见说明 left
the trainee guessing), a course's date reads as the pages print dates (2026年9月29日, not
2026-09-29), and a score left blank says 请评分 — missing, not "must be a whole number
from 1 to 5"."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext

from core.formatting import format_date
from feedback import services
from feedback.models import Evaluation, EvaluationStatus
from tests.feedback.kit import attended, sessions

#: the msgids (their Chinese when the catalogue has them)
MISSING = "Please give a score."
INVALID = "A score must be a whole number from 1 to 5."


def zh(msgid: str) -> str:
    with translation.override("zh-hans"):
        return gettext(msgid)


#: a radio group's legend, then its errors if any, then its choices
LEGEND = r'<legend>([^<]*)</legend>\s*(?:<ul class="errorlist"[^>]*>.*?</ul>\s*)?<div id="id_{}">'


def label_of(page: str, field: str) -> str:
    """The text of the field's <label>, or for a group of radios its fieldset's <legend>."""
    found = re.search(rf'<label for="id_{field}">([^<]*)</label>', page) or re.search(
        LEGEND.format(field), page, re.S
    )
    assert found, field
    return found.group(1).strip()


@pytest.fixture
def evaluation(client, world, staff, klass):
    rows = sessions(klass, 3)
    attended(client, world, staff, klass, [world.cadre_a])
    client.force_login(world.dave)
    return Evaluation.objects.get(cadre=world.cadre_a), rows


def test_each_comment_box_names_its_course_and_follows_its_score(client, evaluation):
    evaluation, rows = evaluation
    page = client.get(f"/feedback/evaluations/{evaluation.pk}/").content.decode()
    generic = zh("Comment")  # 意见说明
    labels = [label_of(page, "comment")]
    for session in rows:
        label = label_of(page, f"session_{session.pk}_comment")
        assert session.title in label, label
        labels.append(label)
    assert not any(label.rstrip(":：") == generic for label in labels), labels
    assert len(set(labels)) == len(labels)  # no two boxes read alike
    assert labels[0].rstrip(":：") == zh("Your comment on the class")
    # In the page's order: the class's score and comment, then each course's score
    # directly followed by its own comment.
    order = ['name="score"', 'name="comment"']
    for session in rows:
        order += [f'name="session_{session.pk}"', f'name="session_{session.pk}_comment"']
    positions = [page.index(name) for name in order]
    assert positions == sorted(positions)


def test_a_course_label_prints_its_date_as_the_pages_do(client, evaluation):
    evaluation, rows = evaluation
    page = client.get(f"/feedback/evaluations/{evaluation.pk}/").content.decode()
    for session in rows:
        label = label_of(page, f"session_{session.pk}")
        with translation.override("zh-hans"):
            shown = format_date(session.date)
        assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", shown)
        assert shown in label, label
        assert session.date.isoformat() not in label, label


def test_a_score_left_blank_asks_for_a_score(client, evaluation):
    evaluation, (first, second, third) = evaluation
    answers = {
        "score": "",
        "comment": "很有收获",
        f"session_{first.pk}": "5",
        f"session_{third.pk}": "4",
    }  # the class's score and the second course's left blank
    response = client.post(f"/feedback/evaluations/{evaluation.pk}/", answers)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count(zh(MISSING)) == 2
    assert zh(INVALID) not in page
    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.OPEN
    # The value kept on the page: the second course's radios still empty, the others set.
    assert re.search(rf'name="session_{first.pk}" value="5"[^>]*checked', page)


@pytest.mark.parametrize("score", ["6", "0", "abc"])
def test_an_invalid_score_still_says_one_to_five(client, evaluation, score):
    evaluation, rows = evaluation
    answers = {"score": score, **{f"session_{s.pk}": "5" for s in rows}}
    page = client.post(f"/feedback/evaluations/{evaluation.pk}/", answers).content.decode()
    assert zh(INVALID) in page and zh(MISSING) not in page


def test_the_service_tells_a_missing_score_from_an_invalid_one(world, evaluation):
    evaluation, (first, second, third) = evaluation
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        services.evaluation_submit(
            actor=world.dave,
            evaluation=evaluation,
            score=None,
            sessions={first.pk: ("", ""), second.pk: ("9", ""), third.pk: (" ", "")},
        )
    errors = refused.value.message_dict
    assert errors["score"] == [zh(MISSING)]
    assert errors[f"session_{first.pk}"] == [zh(MISSING)]
    assert errors[f"session_{second.pk}"] == [zh(INVALID)]
    assert errors[f"session_{third.pk}"] == [zh(MISSING)]
