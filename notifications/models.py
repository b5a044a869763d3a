"""In-app inbox, e-mail and official documents (see the notifications issue)."""
