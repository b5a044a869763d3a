"""Needs surveys (需求调研): the dispatcher's questions, each unit's answer and its
head's approval, the aggregated results."""
