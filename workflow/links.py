"""Links to the process and task pages of an object, found through the flow registered
for its model (`registry.flow_for`), in one query for any number of objects."""

from django.contrib.contenttypes.models import ContentType
from viewflow.workflow.models import Process

from workflow import registry


def process_urls(objects) -> dict[int, str]:
    """{object pk: its process page} (objects without a process are left out — e.g. a
    makeup dispatch whose flow starts after it is announced)."""
    objects = [o for o in objects if o is not None]
    if not objects:
        return {}
    flow_class = registry.flow_for(type(objects[0]))
    if flow_class is None:
        return {}
    rows = Process.objects.filter(
        flow_class=flow_class,
        artifact_content_type=ContentType.objects.get_for_model(objects[0]),
        artifact_object_id__in=[o.pk for o in objects],
    ).values_list("artifact_object_id", "pk")
    return {
        object_id: flow_class.instance.reverse("process_detail", args=[pk])
        for object_id, pk in rows
    }


def process_url(obj) -> str | None:
    """The object's process page, or None."""
    return process_urls([obj]).get(obj.pk)
