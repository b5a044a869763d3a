"""The yearly dispatch plan (年度调训计划): lines, consultation (会商), approval,
publication into classes and roll calls, plan against actual."""
