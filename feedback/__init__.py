"""Trainee feedback on a class and its sessions, and the post-training follow-up
(训后跟踪考核) by the trainee's department head."""
