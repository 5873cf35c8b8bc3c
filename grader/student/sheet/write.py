"""Write a student's fillable answer sheet `HW4_T_<id>.pdf` (WeasyPrint PDF forms).

One form field per item, named by the item id: a one-line text field for numbers, formulas and
shapes, a large multi-line field for matrices, tensors and free text, a combo box (`<select>`)
for choices. WeasyPrint 70 also writes radio groups and checkboxes, but its radio buttons carry
their own `/T` (pypdf and pdftk then fill the widget, not the group), so choices use the combo
box, whose `/V` every writer sets. The student's Q2/Q3 instance is printed as tables, from the
same generator as `grade template`. The student id, homework and file prefix are recorded in
the document information and in two read-only fields, so a sheet renamed to another id is seen.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from grader.kinds.choice import listed_options
from grader.numfmt import given_text
from grader.rubric import Item, Kind, Rubric
from grader.student.sheet import HOMEWORK_FIELD, INFO_HOMEWORK, INFO_PREFIX, INFO_SHEET_PAGES, INFO_STUDENT, STUDENT_FIELD

TEMPLATE_PACKAGE = "grader.student.sheet"
TEMPLATE_DIR = "templates"
_MULTILINE = (Kind.MATRIX, Kind.TENSOR, Kind.TEXT)
_AXES = re.compile(r"\b([A-Za-z]\w*)((?:\[[a-z]\])+)")


@dataclass(frozen=True)
class Table:
    """One labelled table of instance numbers: `rows` × `cols`, with the axes' names."""

    caption: str
    row_axis: str
    col_axis: str
    cols: int
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class InstanceBlock:
    name: str
    note: str  # the generator's own description: shapes, index order, what G is
    scalars: tuple[tuple[str, str], ...]
    tables: tuple[Table, ...]


@dataclass(frozen=True)
class SheetItem:
    id: str
    title: str
    title_fa: str
    hint: str
    points: str
    field: str  # "line", "area", "select"
    rows: int  # height of a multi-line field, in lines
    options: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class SheetQuestion:
    id: str
    title: str
    title_fa: str
    points: str
    items: tuple[SheetItem, ...]




def _axis_names(note: str) -> dict[str, list[str]]:
    """`X[i][j][k]` in the generator's description names X's axes i, j, k."""
    return {m.group(1): re.findall(r"\[([a-z])\]", m.group(2)) for m in _AXES.finditer(note)}


def _tables(name: str, value: list[Any], axes: list[str]) -> list[Table]:
    depth, probe = 1, (value[0] if value else None)
    while isinstance(probe, list):
        depth, probe = depth + 1, probe[0] if probe else None
    letters = axes if len(axes) == depth else ["i", "j", "k", "l"][:depth]
    if depth == 1:
        return [Table(f"{name}[{letters[0]}]", "", letters[0], len(value), (tuple(given_text(v) for v in value),))]
    if depth == 2:
        return [Table(f"{name}[{letters[0]}][{letters[1]}]", letters[0], letters[1], len(value[0]), tuple(tuple(given_text(v) for v in row) for row in value))]
    tables: list[Table] = []
    for index, block in enumerate(value):  # 3-D: one table per first index
        inner = _tables(name, block, letters[1:])[0] if depth == 3 else None
        if inner is None:  # deeper: flatten what is left row by row
            rows = tuple(tuple(given_text(v) for v in _flatten(r)) for r in block)
            tables.append(Table(f"{name}[{letters[0]}={index}]", letters[1], "…", len(rows[0]), rows))
        else:
            tables.append(Table(f"{name}[{letters[0]}={index}][{letters[1]}][{letters[2]}]", inner.row_axis, inner.col_axis, inner.cols, inner.rows))
    return tables


def _flatten(value: Any) -> list[Any]:
    return [x for v in value for x in _flatten(v)] if isinstance(value, list) else [value]


def instance_blocks(rubric: Rubric, student_id: str) -> list[InstanceBlock]:
    """The student's instances as tables: the numbers `grade template` prints, laid out to read."""
    import inspect

    from grader.keys.keybook import KeyBook

    keys = KeyBook(rubric)
    functions = rubric.registry().instances
    blocks = []
    for name, data in keys.instances_for(student_id).items():
        doc = inspect.getdoc(functions[name]) or ""
        note = doc.split("\n\n")[0].replace("\n", " ")
        axes = _axis_names(note)
        scalars = tuple((k, given_text(v)) for k, v in data.items() if not isinstance(v, list))
        tables = tuple(t for k, v in data.items() if isinstance(v, list) for t in _tables(k, v, axes.get(k, [])))
        blocks.append(InstanceBlock(name=name.upper(), note=note, scalars=scalars, tables=tables))
    return blocks


def _field_rows(item: Item) -> int:
    if item.kind is Kind.TEXT:
        return 9 if item.points >= 2 else 6
    size = 1
    for dim in item.shape or [1]:
        size *= dim
    return max(3, min(14, 2 + size // 8))  # a 5×5×4 tensor (100 numbers): 14 lines


def sheet_questions(rubric: Rubric) -> list[SheetQuestion]:
    from grader.student.template import item_hint

    questions = []
    for q in rubric.questions:
        items = []
        for item in (i for i in rubric.items if i.question == q.id):
            if item.kind is Kind.CHOICE:  # alphabetical (listed_options): the rubric's order shows the key first
                field, options = "select", tuple((key, key.replace("_", " ")) for key in listed_options(item))
            else:
                field, options = ("area" if item.kind in _MULTILINE else "line"), ()
            items.append(
                SheetItem(
                    id=item.id,
                    title=item.title,
                    title_fa=item.title_fa or "",
                    hint=item_hint(item, sheet=True),
                    points=f"{item.points:g}" + (" bonus" if item.bonus else ""),
                    field=field,
                    rows=_field_rows(item) if field == "area" else 1,
                    options=options,
                )
            )
        points = f"{q.points:g}" + (f" + {q.bonus:g} bonus" if q.bonus else "")
        questions.append(SheetQuestion(id=q.id.upper(), title=q.title, title_fa=q.title_fa or "", points=points, items=tuple(items)))
    return questions


def grid_text(table: Table) -> str:
    """A table as aligned monospace text, axes labelled: one element per table, not one per cell
    (a cell per number made the instance page cost more than all the items)."""
    corner = f"{table.row_axis}\\{table.col_axis}" if table.row_axis else table.col_axis
    heads = [corner, *map(str, range(table.cols))]
    rows = [[str(r) if table.row_axis else "", *row] for r, row in enumerate(table.rows)]
    width = max(len(cell) for line in [heads, *rows] for cell in line)
    lines = [" ".join(cell.rjust(width) for cell in line) for line in [heads, *rows]]
    return "\n".join(lines)


class SheetWriter:
    """Template, stylesheet and fonts loaded once; `pdf(student_id)` renders one sheet.

    A sheet is two parts: the student's own first page (header and instance, no form: rendered
    per student) and the items with their fields (the same for every student: rendered once per
    writer, with `pdf_forms`). pypdf joins them, fills the read-only id fields and writes the
    document information; joining costs ~30 ms, rendering the items ~0.6 s.
    """

    def __init__(self, rubric: Rubric) -> None:
        import jinja2
        import weasyprint
        from weasyprint.text.fonts import FontConfiguration

        from grader.typeset.pdf import font_face_css, html_class, make_fetcher, ua_stylesheet, use_faster_pdf_compression
        from grader.typeset.text import bidi_text, isolated

        use_faster_pdf_compression()
        self.rubric = rubric
        ua = ua_stylesheet() + (resources.files(TEMPLATE_PACKAGE) / TEMPLATE_DIR / "ua.css").read_text(encoding="utf-8")
        self._html = html_class(weasyprint, ua)
        env = jinja2.Environment(
            loader=jinja2.PackageLoader(TEMPLATE_PACKAGE, TEMPLATE_DIR),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters["grid"] = grid_text
        env.filters["fa"] = lambda text: isolated(bidi_text(text))  # Latin/math runs kept left-to-right, as in reports
        self._template = env.get_template("sheet.html")
        self.fetcher = make_fetcher()
        self.font_config = FontConfiguration()
        css = (resources.files(TEMPLATE_PACKAGE) / TEMPLATE_DIR / "sheet.css").read_text(encoding="utf-8")
        self.css = weasyprint.CSS(string=font_face_css() + css, font_config=self.font_config, url_fetcher=self.fetcher)
        self.questions = sheet_questions(rubric)
        self._items: Any = None  # the items part, a pypdf reader, made on first use

    def html(self, student_id: str | None) -> str:
        """The student's first page (`student_id`), or the items part (None)."""
        prefix = self.rubric.file_prefix
        return self._template.render(
            rubric=self.rubric,
            student_id=student_id,
            file_name=f"{prefix}{student_id or '<id>'}.pdf",
            student_field=STUDENT_FIELD,
            homework_field=HOMEWORK_FIELD,
            instances=instance_blocks(self.rubric, student_id) if student_id else [],
            questions=self.questions,
        )

    def _render(self, html: str, *, forms: bool) -> tuple[bytes, int]:
        document = self._html(string=html, url_fetcher=self.fetcher).render(stylesheets=[self.css], font_config=self.font_config, pdf_forms=forms)
        data = document.write_pdf(pdf_forms=forms)
        assert isinstance(data, bytes)
        return data, len(document.pages)

    def items_part(self) -> Any:
        if self._items is None:
            import pypdf

            data, _ = self._render(self.html(None), forms=True)
            self._items = pypdf.PdfReader(io.BytesIO(data))
        return self._items

    def pdf(self, student_id: str) -> bytes:
        import pypdf
        from pypdf.generic import NameObject, NumberObject, TextStringObject

        from grader.readers.pdf_sheet import quiet_pypdf

        items = self.items_part()
        first, _ = self._render(self.html(student_id), forms=False)
        with quiet_pypdf():
            writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(first)))
            writer.append(items)
            writer.add_metadata(
                {
                    "/Title": f"{self.rubric.title}: answer sheet of {student_id}",
                    "/Subject": f"{self.rubric.file_prefix}{student_id}.pdf",
                    INFO_STUDENT: student_id,
                    INFO_HOMEWORK: self.rubric.homework,
                    INFO_PREFIX: self.rubric.file_prefix,
                    INFO_SHEET_PAGES: str(len(writer.pages)),
                }
            )
            own = {STUDENT_FIELD: student_id, HOMEWORK_FIELD: self.rubric.homework}
            form: Any = writer.root_object["/AcroForm"]
            for ref in form["/Fields"]:
                widget = ref.get_object()
                name = str(widget.get("/T", ""))
                widget.pop(NameObject("/TU"), None)  # WeasyPrint's tooltip repeats the name: one string less to parse per field
                if name in own:  # who the sheet is for: filled in, read-only
                    widget[NameObject("/V")] = TextStringObject(own[name])
                    widget[NameObject("/Ff")] = NumberObject(int(widget.get("/Ff", 0)) | 1)
            out = io.BytesIO()
            writer.write(out)
        return out.getvalue()


def _worker_setup(rubric_path: str) -> SheetWriter:
    from grader.rubric import load_rubric

    return SheetWriter(load_rubric(rubric_path))


def _write_some(job: tuple[list[str], str], writer: SheetWriter | None = None) -> list[str]:
    from grader.fsio import atomic_write

    ids, folder = job
    if writer is None:
        from grader.pool import worker_state

        writer = worker_state()
    paths = []
    for student_id in ids:
        path = Path(folder) / f"{writer.rubric.file_prefix}{student_id}.pdf"
        atomic_write(path, writer.pdf(student_id))
        paths.append(str(path))
    return paths


def write_sheets(rubric: Rubric, student_ids: Iterable[str], out_dir: Path, *, jobs: int = 1, force: bool = False) -> list[Path]:
    """Write `<prefix><id>.pdf` for each id into `out_dir` (each atomically), with `jobs`
    processes; an existing sheet is an error unless `force` (checked before anything is written)."""
    from grader.errors import SubmissionError
    from grader.pool import running_pool
    from grader.readers.answer_file import valid_student_id

    ids = list(dict.fromkeys(student_ids))
    bad = [i for i in ids if not valid_student_id(i)]
    if bad:
        raise SubmissionError(f"student id {bad[0][:70]!r}: expected 1-64 letters, digits, '-' or '_'")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SubmissionError(f"{out_dir}: cannot create the folder: {exc.strerror or exc}") from None
    if not force:
        existing = [p for p in (out_dir / f"{rubric.file_prefix}{i}.pdf" for i in ids) if p.exists()]
        if existing:
            raise SubmissionError(f"{existing[0]} exists ({len(existing)} of the sheets do); pass --force to overwrite them")
    jobs = max(1, min(jobs, len(ids) // 8 or 1))  # each worker renders the items part once (~1 s)
    if jobs == 1:
        return [Path(p) for p in _write_some((ids, str(out_dir)), SheetWriter(rubric))]
    chunks = [ids[k::jobs] for k in range(jobs)]
    with running_pool(jobs, what="writing the answer sheets", setup=_worker_setup, args=(str(rubric.path),)) as pool:
        done = [p for paths in pool.map(_write_some, [(c, str(out_dir)) for c in chunks]) for p in paths]
    return sorted(Path(p) for p in done)
