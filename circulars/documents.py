"""The circular as an official document: its context built from the stored figures and
the drafter's text, the text generated for the drafter to start from, and a preview of
the first page."""

from __future__ import annotations

import dataclasses
import re

from django.utils import timezone

from circulars import selectors as circular_selectors
from circulars import services as circular_services
from circulars.carried import carried_totals
from circulars.lines import circular_rows
from circulars.models import Circular
from circulars.yearly import yearly_blocks
from dispatch.documents import issuer_of
from notifications.documents import circular as circular_document
from notifications.documents.context import DocumentContext, Heading, Paragraph
from org.models import OrgDepartment, Unit

#: The level of a party committee, from the name of the jurisdiction's root (中共青山县委).
LEVEL = re.compile(r"([省市州盟县区旗])委$")


def circular_recipients(org_department) -> list[str]:
    """主送机关: the units under the department's own jurisdiction. A department whose
    jurisdiction holds the party committees of lower levels (other organization
    departments: a city's over its counties) addresses their organization departments
    and its direct units (各县（市、区）委组织部，市直各单位); any other — a county's —
    its townships' party committees and its direct units (各乡镇党委，县直各单位). The
    level (县, 区, 市, …) is read from the name of the jurisdiction's root."""
    root = org_department.jurisdiction
    match = LEVEL.search(root.name.strip())
    lower_departments = (
        OrgDepartment.objects.filter(jurisdiction__in=Unit.objects.subtree(root))
        .exclude(jurisdiction=root)
        .exists()
    )
    if lower_departments:
        level = match.group(1) if match else "市"
        lower = "各市（州）委组织部" if level == "省" else "各县（市、区）委组织部"
        return [lower, f"{level}直各单位"]
    level = match.group(1) if match else "县"
    if level in "县旗":
        return ["各乡镇党委", f"{level}直各单位"]
    if level in "市区":
        return ["各乡镇（街道）党（工）委", f"{level}直各单位"]
    return [f"{level}直各单位"]


def circular_context(
    circular: Circular, *, text: str | None = None, date=None, addressed: bool = True
) -> DocumentContext:
    """The document of `circular`: the figures' tables, chart and lists, and the body
    from `text` (default: the circular's stored text; the generated text when blank);
    addressed to `circular_recipients` unless not `addressed` (the body alone, unaddressed)."""
    figures = circular.figures
    text = circular.body if text is None else text
    label = circular_services.period_label(circular.period_start, circular.period_end)
    carried = figures.get("carried") or {}
    context = circular_document.circular(
        issuer=issuer_of(circular.org_department),
        recipients=circular_recipients(circular.org_department) if addressed else (),
        period=label,
        period_end=circular.period_end,
        figures=circular_rows(figures),
        absentees=circular_selectors.absentee_rows(figures),
        overdue_makeups=figures.get("overdue_makeups", []),
        carried=carried_totals(figures),
        carried_absentees=circular_selectors.absentee_rows(
            {"absentee_ids": carried.get("absentee_ids", [])}
        ),
        date=date or timezone.localdate(),
        title=circular.title,
        printed_by=circular.org_department.unit.name,
        organizer=circular.org_department.unit.name,
    )
    body = list(context.body)
    sections, attachments = yearly_blocks(figures.get("yearly"), label)
    if sections:
        # Before the closing requirements (the last heading), after the findings.
        headings = [i for i, block in enumerate(body) if isinstance(block, Heading)]
        at = headings[-1] if len(headings) > 1 else len(body)
        body[at:at] = sections
    # The drafter's text keeps the generated text's names unbroken at a line's end.
    names = tuple(
        dict.fromkeys(w for block in body if isinstance(block, Paragraph) for w in block.whole)
    )
    return dataclasses.replace(
        context,
        body=circular_document.body_blocks(text, names) or body,
        attachments=[*context.attachments, *attachments],
    )


def generated_text(circular: Circular) -> str:
    """The text generated from the figures, as the drafter starts editing it."""
    return circular_document.body_text(circular_context(circular, text="", addressed=False).body)


def preview_png(circular: Circular, *, title: str, text: str, width: int = 420) -> bytes:
    """The first page of the circular as it would print with `title` and `text`, as a
    PNG `width` pixels wide (the number reads 样稿)."""
    import io

    import pypdfium2

    from notifications.documents.render import render_first_page

    context = circular_context(circular, text=text)
    # The attachments' pages are not shown: only their titles (the 附件说明) are kept.
    context = dataclasses.replace(
        context,
        title=title or " ",
        attachments=[dataclasses.replace(a, blocks=()) for a in context.attachments],
    )
    pdf = pypdfium2.PdfDocument(render_first_page(context))
    try:
        page = pdf[0]
        image = page.render(scale=width / page.get_width()).to_pil()
        page.close()
    finally:
        pdf.close()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def issue_approved(circular_id: int, actor_id: int | None = None) -> int | None:
    """Render and issue an approved circular with its number, then mark it issued and
    tell the units; run by `circulars.tasks.issue_circular` after the approval. Done
    once: a circular already issued (a retried task) is left alone. If rendering fails,
    no number is used up and the reason is kept on the circular."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from circulars.models import CircularStatus
    from notifications.services import issue_document

    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    try:
        with transaction.atomic():
            circular = (
                Circular.objects.select_for_update()
                .select_related("org_department__unit")
                .get(pk=circular_id)
            )
            if circular.status != CircularStatus.ISSUING:
                return circular.document_id
            document = issue_document(
                actor=actor, kind="circular", context=circular_context(circular), subject=circular
            )
            circular_services.circular_mark_issued(circular=circular, document=document)
            return document.pk
    except Exception as exc:
        circular_services.circular_issue_failed(
            circular=Circular(pk=circular_id), error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise
