"""Approval requests and the who-approves policy (see the roll-call issue)."""
