"""A small test homework (choice and text items only) shared by the gradebook-level tests."""

COURSE_YAML = """\
course: "Test course"
timezone: Asia/Tehran
policy:
  early_bonus: {fraction: 0.2}
  late_days: {per_homework: 5, per_term_per_part: 15, per_term: 15}
  late_window: {hours: 48, percent_per_hour: 2, basis: earned}
homeworks:
  hwt:
    theory: {bonus_deadline: "1403-09-16 23:59", final_deadline: "1403-09-23 23:59"}
"""
