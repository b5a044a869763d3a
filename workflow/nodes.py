"""Pieces every flow's chart is built from."""

#: the summary of a task or process: its subject (a dispatch, a request, a circular …)
SUBJECT = "{{ process.artifact }}"
