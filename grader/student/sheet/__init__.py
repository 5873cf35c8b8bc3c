"""The course's own answer format: a personal, fillable PDF sheet `HW4_T_<id>.pdf`.

`grader.student.sheet.write` makes the sheet (WeasyPrint, `pdf_forms=True`): one form field per item,
named by the item id. `grader.readers.pdf_sheet` reads a filled sheet back (pypdf, under limits) into
the same document a YAML answer file gives, so the same parsers, verdicts and carets apply.
Reading needs only pypdf (it runs in the student kit, on Python 3.9); writing needs WeasyPrint.
"""

MAX_PDF_BYTES = 30_000_000  # a sheet is ~0.5 MB; the rest is room for appended scanned derivations
SHEET_FIELD_PREFIX = "sheet."
STUDENT_FIELD = "sheet.student_id"
HOMEWORK_FIELD = "sheet.homework"
# document information entries (custom keys; a PDF's /Info dictionary)
INFO_STUDENT = "/HwgraderStudentId"
INFO_HOMEWORK = "/HwgraderHomework"
INFO_PREFIX = "/HwgraderFilePrefix"
INFO_SHEET_PAGES = "/HwgraderSheetPages"
