"""Pure scheduling engine: problem model, constraints, objectives, exact top-k search.

`optimizer.generate_schedules(request, courses)` is the entry point the planner calls;
`conflicts.check_conflicts` and `ics.export_ics` serve the check and export tools, and
`parsing` reads the times and days students write.
"""
