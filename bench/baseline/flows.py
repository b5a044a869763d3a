"""The smallest useful flow: started from code, one human task, end. Benchmarks compare
the project's flows against starting this one."""

from viewflow import this
from viewflow.workflow import flow


class MinimalFlow(flow.Flow):
    start = flow.StartHandle().Next(this.task)
    task = flow.View(lambda request, **kwargs: None).Next(this.end)
    end = flow.End()
