from django.utils.functional import SimpleLazyObject

from notifications.selectors import unread_count


def unread(request):
    """`unread_count` for templates; counted (one query) only when a template uses it."""
    user = getattr(request, "user", None)
    return {"unread_count": SimpleLazyObject(lambda: unread_count(user))}
