"""What the next person sees on an approval task: the request, the reasons given round by
round, the attachment (for those who decide and no one else), and a refusal beside the
field it concerns."""

import pytest

from approvals.models import ApprovalRequest
from dispatch.models import Dispatch
from tests.flowtools import act, issue_roll_call, open_task, process_of, task_url


@pytest.mark.klass(name="全市专题培训班", credit_hours=40)
def test_an_approval_rejected_without_a_comment_is_refused_beside_it(world, staff, klass, client):

    issue_roll_call(client, world, klass, [world.cadre_a])
    process = process_of(Dispatch.objects.get(), "DispatchFlow")
    client.force_login(staff.lily)
    task = open_task(process, "confirm")
    client.post(task_url(task, "assign"))
    page = client.get(task_url(task, "execute")).content.decode()
    assert page.count("申请不参训时必填") == 2  # beside 申请类别 and 理由
    act(client, task, {"action": "request", "kind": "leave", "reason": "出差"})
    approval = process_of(ApprovalRequest.objects.get(), "ApprovalFlow")
    client.force_login(world.alice)
    response = act(client, open_task(approval, "head_review"), {"decision": "rejected"})
    page = response.content.decode()
    assert response.status_code == 200
    comment = page[page.index('name="comment"') - 600 : page.index('name="comment"')]
    assert "请说明" in comment, comment
    assert ApprovalRequest.objects.get().status == "pending"
