"""A cancelled roll call is told to those it touched, once each: every named trainee
with an account, and each liaison in one message naming the cadres of the units they
serve — a roll call cancelled used to tell nobody."""

import pytest

from notifications.models import Event, Notification
from tests.flowtools import issue_roll_call

pytestmark = pytest.mark.klass(name="全市专题培训班", credit_hours=40)


def test_each_trainee_and_liaison_is_told_once(world, staff, klass, client):
    issue_roll_call(client, world, klass, [world.cadre_a, world.cadre_a1, world.cadre_b])
    roll_call = klass.roll_calls.get()
    client.force_login(world.bob)
    response = client.post(f"/rollcalls/{roll_call.pk}/", {"reason": "培训计划调整，本期停办"})
    assert response.status_code == 302

    told = Notification.objects.filter(event=Event.CANCELLED)
    assert sorted(told.values_list("recipient__username", flat=True)) == [
        "dave",
        "lily",
        "luke",
    ]
    lily = told.get(recipient=staff.lily)
    assert "全市专题培训班" in lily.title
    assert world.cadre_a.name in lily.body and world.cadre_a1.name in lily.body
    assert world.cadre_b.name not in lily.body and "本期停办" in lily.body
    luke = told.get(recipient=staff.luke).body
    assert world.cadre_b.name in luke and world.cadre_a.name not in luke
    assert "不再参加" in told.get(recipient=world.dave).body

    # Cancelling again changes nothing, and tells nobody twice.
    client.post(f"/rollcalls/{roll_call.pk}/", {"reason": "重复提交"})
    assert told.count() == 3
