"""Fill a sheet's fields from answers (pypdf): the bundled sample, tests and the bench use it.

`answer_text` writes a YAML answer (a number, a nested list, a list of formulas) the way a
student would type it into a field, so a filled sheet and the YAML file mean the same answers.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any


def answer_text(value: Any) -> str:
    """A YAML answer as the text a student types into its field (`[[1, 0], [0, 1]]`, `0.102`)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(answer_text(v) for v in value) + "]"
    return str(value)


def fill_sheet(data: bytes, answers: Mapping[str, Any], *, appearances: bool = False) -> bytes:
    """The sheet `data` with each named field set to `answers[name]` (as `answer_text`).

    With `appearances`, pypdf's `update_page_form_field_values` also draws each value (slow:
    seconds per sheet); without, only `/V` is set and viewers draw the values themselves
    (`/NeedAppearances`), which is all a reader of the values needs.
    """
    import pypdf
    from pypdf.generic import NameObject, TextStringObject

    from grader.readers.pdf_sheet import quiet_pypdf

    values: dict[str, str] = {name: answer_text(value) for name, value in answers.items()}
    with quiet_pypdf():  # "characters not supported by font encoding": viewers redraw anyway
        writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(data)))
        if appearances:
            for page in writer.pages:
                writer.update_page_form_field_values(page, values, auto_regenerate=False)
        else:
            form: Any = writer.root_object["/AcroForm"]
            for ref in form["/Fields"]:
                fld = ref.get_object()
                name = str(fld.get("/T", ""))
                if name in values:
                    if fld.get("/FT") == "/Btn":
                        fld[NameObject("/V")] = NameObject("/" + values[name])
                    else:
                        fld[NameObject("/V")] = TextStringObject(values[name])
        writer.set_need_appearances_writer(True)
        out = io.BytesIO()
        writer.write(out)
    return out.getvalue()
