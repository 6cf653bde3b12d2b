"""«Загрузка клиентов»: an uploaded xlsx or csv file read once, within limits on what it may unpack
to (parts of the xlsx, rows, cells, line length, time); services.create_client_import keeps the rows
for the mapping page and the import, which never read the uploaded file again."""

from __future__ import annotations

import csv
import io
import re
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO
from xml.etree.ElementTree import Element, iterparse

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.cell.text import Text
from openpyxl.reader.excel import SHARED_STRINGS, ExcelReader
from openpyxl.styles.numbers import builtin_format_code, is_date_format, is_timedelta_format
from openpyxl.worksheet._reader import ROW_TAG, WorkSheetParser
from openpyxl.xml.constants import SHEET_MAIN_NS

from clients.cells import cell_text

PREVIEW_ROWS = 20
MAX_COLUMNS = 200
ZIP_MAGIC = b"PK\x03\x04"
MB = 1024 * 1024
# A part of an xlsx packed more tightly than this is a zip bomb, not a spreadsheet (Excel's own
# parts pack 3–20 times); parts under RATIO_FROM unpacked are not judged.
MAX_RATIO = 100
RATIO_FROM = MB
# XML elements one row of a sheet (or one shared string) may have: Excel's widest row has 16,384
# cells of a few elements each. Beyond it a row would be built in memory before it could be refused.
MAX_ROW_CELLS = 16_384
ITEM_ELEMENTS = MAX_ROW_CELLS * 4
# XML elements a part that openpyxl reads whole (the workbook, its relations) may have: each becomes
# an object of a few hundred bytes.
PART_ELEMENTS = 50_000
MAX_CELL_FORMATS = 65_536  # Excel allows 64,000 cell formats in a workbook
MAX_CSV_LINE = 100_000  # characters


class ImportFileError(Exception):
    """The file cannot be read as a table of clients; the message tells the user why."""


@dataclass(frozen=True)
class Limits:
    """What one uploaded file may hold; settings CLIENT_IMPORT_* (see README)."""

    bytes: int = 5 * MB
    unpacked: int = 100 * MB  # the parts of an xlsx unpacked, together
    part: int = 20 * MB  # one part of an xlsx read whole: the shared strings, the styles
    rows: int = 50_000
    cells: int = 1_000_000
    seconds: float = 20.0

    @classmethod
    def from_settings(cls) -> Limits:
        names = {
            "bytes": "CLIENT_IMPORT_MAX_BYTES",
            "unpacked": "CLIENT_IMPORT_MAX_UNPACKED_BYTES",
            "part": "CLIENT_IMPORT_MAX_PART_BYTES",
            "rows": "CLIENT_IMPORT_MAX_ROWS",
            "cells": "CLIENT_IMPORT_MAX_CELLS",
            "seconds": "CLIENT_IMPORT_READ_SECONDS",
        }
        return cls(**{key: getattr(settings, name, getattr(cls, key)) for key, name in names.items()})


def megabytes(size: int) -> str:
    return f"{size / MB:g}"


def max_bytes() -> int:
    return Limits.from_settings().bytes


def detect_format(filename: str, head: bytes) -> str:
    """xlsx or csv, by the name and the first bytes: a renamed file is caught when it is read."""
    name = filename.lower()
    if name.endswith(".xls"):
        raise ImportFileError(
            _("Формат xls не поддерживается: сохраните файл в Excel как «Книга Excel (*.xlsx)» или CSV.")
        )
    if name.endswith((".xlsx", ".xlsm")) or head.startswith(ZIP_MAGIC):
        return "xlsx"
    if name.endswith((".csv", ".txt")):
        return "csv"
    raise ImportFileError(_("Загрузите файл в формате xlsx или csv."))


# --- the table ----------------------------------------------------------------------------------


@dataclass
class Sheet:
    headers: list[str]
    # (row number as the user sees it in the file, cell values); the header is row 1.
    rows: list[tuple[int, list[object]]]
    total: int  # data rows


class Clock:
    """The time the reading of one file may take."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.until = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() >= self.until:
            raise ImportFileError(
                _("Файл читается дольше %(limit)s с: разделите его на несколько файлов.")
                % {"limit": f"{self.seconds:g}"}
            )


class SheetReader:
    """The header of the file's first sheet at once; rows() then yields its data rows once, skipping
    empty rows but keeping their numbers; cells past the last header are dropped. Every limit is
    checked as the file is read; ImportFileError names the one exceeded."""

    def __init__(self, file: IO[bytes], file_format: str, limits: Limits | None = None):
        self.limits = limits or Limits.from_settings()
        self.clock = Clock(self.limits.seconds)
        if file_format == "csv":
            self._source = _csv_rows(file)
        else:
            self._source = _xlsx_rows(file, self.limits, self.clock)
        self.total = 0
        try:
            self.headers = self._header()
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> SheetReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._source.close()

    def _header(self) -> list[str]:
        for _number, cells in self._source:
            self.clock.check()
            cells = _without_trailing_empty(cells)
            if not cells:
                continue
            if len(cells) > MAX_COLUMNS:
                raise ImportFileError(
                    _("В файле больше %(limit)s колонок: оставьте только нужные.") % {"limit": MAX_COLUMNS}
                )
            return [cell_text(c) or _("Колонка %(number)s") % {"number": i} for i, c in enumerate(cells, 1)]
        raise ImportFileError(_("Файл пуст: в нём нет ни заголовка, ни строк."))

    def rows(self) -> Iterator[tuple[int, list[object]]]:
        width, cells_read = len(self.headers), len(self.headers)
        for number, cells in self._source:
            self.clock.check()
            cells = _without_trailing_empty(cells[:width])
            if not cells:
                continue
            self.total += 1
            if self.total > self.limits.rows:
                raise ImportFileError(
                    _("В файле больше %(limit)s строк: разделите его на несколько файлов.")
                    % {"limit": self.limits.rows}
                )
            cells_read += len(cells)
            if cells_read > self.limits.cells:
                raise ImportFileError(
                    _("В файле больше %(limit)s ячеек: разделите его на несколько файлов.")
                    % {"limit": self.limits.cells}
                )
            yield number, cells


def _without_trailing_empty(cells: list[object]) -> list[object]:
    end = len(cells)
    while end and cell_text(cells[end - 1]) == "":
        end -= 1
    return cells[:end]


def read_sheet(file: IO[bytes], file_format: str, limits: Limits | None = None) -> Sheet:
    """The whole first sheet in memory (see SheetReader)."""
    with SheetReader(file, file_format, limits) as reader:
        rows = list(reader.rows())
        return Sheet(headers=reader.headers, rows=rows, total=reader.total)


# --- csv ----------------------------------------------------------------------------------------


def decode_text(data: bytes) -> str:
    """UTF-8 with or without BOM, else Windows-1251 (what Russian Excel saves as «CSV»)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1251")
    except UnicodeDecodeError:
        raise ImportFileError(_("Не удалось определить кодировку файла: сохраните его в UTF-8 или Windows-1251."))


def detect_delimiter(text: str) -> str:
    """; or , (or a tab), by which of them splits the header line more often outside quotes."""
    first = next((line for line in text.splitlines() if line.strip()), "")[:MAX_CSV_LINE]
    unquoted = re.sub(r'"[^"]*"', "", first)
    counts = {d: unquoted.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_lines(text: str) -> Iterator[str]:
    for line in io.StringIO(text, newline=""):
        if len(line) > MAX_CSV_LINE:
            raise ImportFileError(
                _("В файле есть строка длиннее %(limit)s знаков: оставьте только нужные колонки.")
                % {"limit": MAX_CSV_LINE}
            )
        yield line


def _csv_rows(file: IO[bytes]) -> Iterator[tuple[int, list[object]]]:
    data = file.read()
    if b"\x00" in data:
        raise ImportFileError(_("Файл не похож на CSV: в нём есть двоичные данные."))
    text = decode_text(data)
    reader = csv.reader(_csv_lines(text), delimiter=detect_delimiter(text))
    try:
        yield from enumerate(reader, start=1)
    except csv.Error:
        raise ImportFileError(_("Файл CSV повреждён: его не удалось разобрать на колонки."))


# --- xlsx ---------------------------------------------------------------------------------------


def _not_a_workbook() -> ImportFileError:
    return ImportFileError(
        _("Файл не является книгой Excel (xlsx). Сохраните его в Excel как «Книга Excel (*.xlsx)» или как CSV.")
    )


def _too_large(part: str, limit: int) -> ImportFileError:
    return ImportFileError(
        _("Часть «%(part)s» книги Excel в распакованном виде больше %(limit)s МБ: разделите файл на несколько.")
        % {"part": part, "limit": megabytes(limit)}
    )


def _row_too_long() -> ImportFileError:
    return ImportFileError(
        _("В книге Excel есть строка больше чем из %(limit)s ячеек: оставьте в файле только нужные колонки.")
        % {"limit": MAX_ROW_CELLS}
    )


def _too_complex(part: str, limit: int) -> ImportFileError:
    return ImportFileError(
        _(
            "Часть «%(part)s» книги Excel сложнее обычного (больше %(limit)s элементов): "
            "сохраните таблицу в Excel заново или в CSV."
        )
        % {"part": part, "limit": limit}
    )


class _Archive(zipfile.ZipFile):
    """The xlsx as openpyxl reads it: a part is opened only if its directory entry (zipfile never
    unpacks past it) is within part_limit, and a part read whole has at most PART_ELEMENTS elements."""

    part_limit = 0

    def open(self, name, mode="r", pwd=None, **kwargs):
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        if info.file_size > self.part_limit:
            raise _too_large(info.filename, self.part_limit)
        return super().open(name, mode, pwd, **kwargs)

    def read(self, name, pwd=None) -> bytes:
        data = super().read(name, pwd)
        if data.count(b"<") - data.count(b"</") > PART_ELEMENTS:  # every element opens with one
            raise _too_complex(getattr(name, "filename", name), PART_ELEMENTS)
        return data


def check_archive(archive: zipfile.ZipFile, limits: Limits) -> None:
    """The zip directory before anything is unpacked: the parts together, and each part's ratio."""
    total = 0
    for info in archive.infolist():
        total += info.file_size
        if info.file_size > RATIO_FROM and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ImportFileError(
                _(
                    "Часть «%(part)s» книги Excel сжата в %(ratio)s раз — так сжимают только вредоносные "
                    "файлы. Сохраните таблицу в Excel заново или в CSV."
                )
                % {"part": info.filename, "ratio": info.file_size // max(info.compress_size, 1)}
            )
    if total > limits.unpacked:
        raise ImportFileError(
            _("Книга Excel в распакованном виде больше %(limit)s МБ: разделите её на несколько файлов.")
            % {"limit": megabytes(limits.unpacked)}
        )


class _WorkbookReader(ExcelReader):
    """openpyxl's reader for what an import needs: the shared strings (guarded), the workbook, which
    styles are dates and where the first worksheet is; no properties, theme or chart sheets."""

    def __init__(self, file: IO[bytes], limits: Limits, clock: Clock):
        super().__init__(file, read_only=True, data_only=True, keep_links=False)
        self.archive.close()  # openpyxl's own, for one that checks each part before it is opened
        self.archive = _Archive(file)
        self.archive.part_limit = limits.part
        self.valid_files = self.archive.namelist()
        self.limits, self.clock = limits, clock
        self.sheet_path: str | None = None
        self.date_styles: set[int] = set()
        self.duration_styles: set[int] = set()

    def read(self) -> None:
        self.read_manifest()
        self.read_strings()
        self.read_workbook()
        self.read_date_styles()
        self.sheet_path = next(
            (
                rel.target
                for _sheet, rel in self.parser.find_sheets()
                if rel.target in self.valid_files and "chartsheet" not in rel.Type
            ),
            None,
        )

    def read_strings(self) -> None:
        part = self.package.find(SHARED_STRINGS)
        if part is None:
            return
        with self.archive.open(part.PartName[1:]) as source:
            for element in _items(source, f"{{{SHEET_MAIN_NS}}}si", self.clock):
                if len(self.shared_strings) >= self.limits.cells:
                    raise ImportFileError(
                        _("В файле больше %(limit)s ячеек: разделите его на несколько файлов.")
                        % {"limit": self.limits.cells}
                    )
                self.shared_strings.append(Text.from_tree(element).content.replace("x005F_", ""))

    def read_date_styles(self) -> None:
        """The cell styles (by index) that show a number as a date or a duration, as openpyxl's
        stylesheet finds them, in one pass that keeps only numbers (openpyxl's whole stylesheet of a
        crafted 180 KB file took 500 MB)."""
        if "xl/styles.xml" not in self.valid_files:
            return
        custom: dict[str, str] = {}
        cell_formats: list[str] = []
        with self.archive.open("xl/styles.xml") as source:
            for element, parent in _ended(source):
                tag = element.tag.rpartition("}")[2]
                if tag == "numFmt":
                    custom[element.get("numFmtId", "")] = element.get("formatCode", "")
                elif tag == "xf" and parent is not None and parent.tag.endswith("cellXfs"):
                    cell_formats.append(element.get("numFmtId", "0"))
                if len(cell_formats) > MAX_CELL_FORMATS or len(custom) > MAX_CELL_FORMATS:
                    raise _too_complex("xl/styles.xml", MAX_CELL_FORMATS)
        for index, format_id in enumerate(cell_formats):
            code = custom[format_id] if format_id in custom else builtin_format_code(int(format_id))
            if is_date_format(code):
                self.date_styles.add(index)
            if is_timedelta_format(code):
                self.duration_styles.add(index)


def _ended(source: IO[bytes]) -> Iterator[tuple[Element, Element | None]]:
    """Every element of an XML stream with its parent as it ends, then dropped: the tree is never held."""
    stack: list[Element] = []
    for event, element in iterparse(source, events=("start", "end")):
        if event == "start":
            stack.append(element)
            continue
        stack.pop()
        parent = stack[-1] if stack else None
        yield element, parent
        if parent is not None:
            parent.remove(element)


def _items(source: IO[bytes], tag: str, clock: Clock) -> Iterator[Element]:
    """The `tag` elements of an XML stream as each ends, then dropped with whatever else their parent
    holds; the stream ends with that parent. An item of more than ITEM_ELEMENTS elements is refused
    before it is whole, so one row of millions of cells never reaches memory."""
    stack: list[Element] = []
    parent: Element | None = None
    elements = 0
    for event, element in iterparse(source, events=("start", "end")):
        if event == "start":
            stack.append(element)
            elements += 1
            if elements > ITEM_ELEMENTS:
                raise _row_too_long()
            if parent is None and element.tag == tag and len(stack) > 1:
                parent = stack[-2]
            continue
        stack.pop()
        if element is parent:
            return
        if parent is not None and stack and stack[-1] is parent:
            if element.tag == tag:
                yield element
                elements = 0
                clock.check()
            parent.remove(element)


def _xlsx_rows(file: IO[bytes], limits: Limits, clock: Clock) -> Iterator[tuple[int, list[object]]]:
    try:
        with zipfile.ZipFile(file) as archive:
            check_archive(archive, limits)
        file.seek(0)
        reader = _WorkbookReader(file, limits, clock)
    except ImportFileError:
        raise
    except Exception:  # zip, XML and openpyxl errors alike mean the same to the user
        raise _not_a_workbook()
    try:
        try:
            reader.read()
        except ImportFileError:
            raise
        except Exception:
            raise _not_a_workbook()
        if reader.sheet_path is None:
            raise ImportFileError(_("В книге Excel нет ни одного листа."))
        reader.archive.part_limit = limits.unpacked  # the sheet is read a row at a time
        with reader.archive.open(reader.sheet_path) as source:
            parser = WorkSheetParser(
                source,
                reader.shared_strings,
                data_only=True,
                epoch=reader.wb.epoch,
                date_formats=reader.date_styles,
                timedelta_formats=reader.duration_styles,
            )
            try:
                for element in _items(source, ROW_TAG, clock):
                    number, cells = parser.parse_row(element)
                    values: list[object] = [None] * max((c["column"] for c in cells), default=0)
                    for cell in cells:
                        values[cell["column"] - 1] = cell["value"]
                    yield number, values
            except ImportFileError:
                raise
            except Exception:
                raise ImportFileError(_("Книга Excel повреждена: её не удалось прочитать до конца."))
    finally:
        reader.archive.close()
