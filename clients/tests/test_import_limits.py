"""«Загрузка клиентов» against files built to exhaust the server (issue 13, finding 6): each limit of
clients.import_files.Limits refuses its file at the upload, quickly, with a message naming the limit,
and keeps nothing; the file is read once, and the later steps read the rows kept from it."""

import csv
import datetime
import gzip
import io
import json
import resource
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clients import import_files
from clients.models import Client, ClientImport
from clients.tests.test_import import company_inn, csv_upload, mapping_data, upload, xlsx_upload

IMPORT_URL = reverse("clients:import")
MAIN = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    b'<Override PartName="/xl/sharedStrings.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    b"</Types>"
)
ROOT_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8"?><workbook ' + MAIN + b' xmlns:r="http://schemas.openxmlformats.org/'
    b'officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'worksheet" Target="worksheets/sheet1.xml"/>'
    b'<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)
HEADER_ROW = '<row r="1"><c r="A1" t="inlineStr"><is><t>Наименование</t></is></c></row>'.encode()


def named_row(number: int, name: str) -> bytes:
    return f'<row r="{number}"><c r="A{number}" t="inlineStr"><is><t>{name}</t></is></c></row>'.encode()


def build_xlsx(
    path, *, rows=(), strings=(), styles: bytes | None = None, dimension: str = "", workbook: bytes = WORKBOOK
) -> SimpleUploadedFile:
    """A workbook written part by part, streaming: `rows` and `strings` are iterables of XML chunks
    (the sheet's rows, the shared strings' <si> elements), so that a part of hundreds of megabytes
    never sits in memory."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        if styles is not None:
            archive.writestr("xl/styles.xml", styles)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet ' + MAIN + b">")
            if dimension:
                part.write(f'<dimension ref="{dimension}"/>'.encode())
            part.write(b"<sheetData>")
            for chunk in rows:
                part.write(chunk)
            part.write(b"</sheetData></worksheet>")
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(b'<?xml version="1.0" encoding="UTF-8"?><sst ' + MAIN + b">")
            for chunk in strings:
                part.write(chunk)
            part.write(b"</sst>")
    return SimpleUploadedFile("clients.xlsx", path.read_bytes())


def refused(http, file, message: str, media) -> float:
    """Upload the file; it must be refused with the message on the upload page and nothing kept.
    Returns the seconds the refusal took."""
    started = time.monotonic()
    response = http.post(IMPORT_URL, {"file": file})
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert any(message in error for error in errors), errors
    assert 'id="import-file-error"' in response.content.decode()
    assert not ClientImport.objects.exists()
    assert not (media / "imports").exists() or list((media / "imports").iterdir()) == []
    return elapsed


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def supervisor_client(client, boss):
    client.force_login(boss)
    return client


def test_a_hand_built_workbook_imports(supervisor_client, tmp_path):
    """The builder of this module's files makes workbooks that import, so each refusal below is its
    limit's doing."""
    strings = [b"<si><t>" + "ООО «Из таблицы строк»".encode() + b"</t></si>"]
    rows = [HEADER_ROW, named_row(2, "ООО «Строкой»"), b'<row r="3"><c r="A3" t="s"><v>0</v></c></row>']
    record = upload(supervisor_client, build_xlsx(tmp_path / "ok.xlsx", rows=rows, strings=strings))
    response = supervisor_client.post(record.get_absolute_url(), {**mapping_data(record), "import": "1"})
    assert response.status_code == 302
    assert sorted(Client.objects.values_list("name", flat=True)) == ["ООО «Из таблицы строк»", "ООО «Строкой»"]


def test_a_zip_bomb_of_shared_strings_is_refused_at_once_without_unpacking_it(supervisor_client, tmp_path, media):
    """The probe's file: 1 MB whose sharedStrings.xml unpacks to 400 MB (500 after 60 s, the worker
    killed at 1 GB)."""
    chunk = b"<si><t>a</t></si>" * 60_000
    bomb = build_xlsx(tmp_path / "bomb.xlsx", rows=[HEADER_ROW], strings=(chunk for _ in range(400)))
    assert len(bomb) < 2 * import_files.MB
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux

    elapsed = refused(supervisor_client, bomb, "Часть «xl/sharedStrings.xml» книги Excel сжата в", media)

    assert elapsed < 3
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before < 50 * 1024


def test_a_part_read_whole_above_its_cap_is_refused(supervisor_client, tmp_path, media, settings):
    settings.CLIENT_IMPORT_MAX_PART_BYTES = import_files.MB
    strings = (b"".join(b"<si><t>%d</t></si>" % (i * 1000 + k) for k in range(1000)) for i in range(100))
    file = build_xlsx(tmp_path / "strings.xlsx", rows=[HEADER_ROW], strings=strings)
    refused(supervisor_client, file, "Часть «xl/sharedStrings.xml» книги Excel в распакованном виде больше 1 МБ", media)


def test_a_workbook_unpacking_past_the_limit_is_refused(supervisor_client, tmp_path, media, settings):
    settings.CLIENT_IMPORT_MAX_UNPACKED_BYTES = import_files.MB
    rows = [HEADER_ROW, *(named_row(n, f"ООО «Клиент {n * 7919 % 100_003}»") for n in range(2, 20_000))]
    file = build_xlsx(tmp_path / "wide.xlsx", rows=rows)
    refused(supervisor_client, file, "Книга Excel в распакованном виде больше 1 МБ", media)


def test_more_shared_strings_than_cells_allowed_are_refused(supervisor_client, tmp_path, media, settings):
    settings.CLIENT_IMPORT_MAX_CELLS = 1000
    strings = [b"".join(b"<si><t>%d</t></si>" % k for k in range(1001))]
    file = build_xlsx(tmp_path / "strings.xlsx", rows=[HEADER_ROW], strings=strings)
    refused(supervisor_client, file, "В файле больше 1000 ячеек", media)


def test_a_row_of_more_cells_than_excel_allows_is_refused_before_it_is_built(supervisor_client, tmp_path, media):
    """One row of 40,000 cells without addresses: openpyxl would build it whole in memory (a million of
    them in 760 KB took 474 MB)."""
    long_row = b'<row r="2">' + b"<c><v>1</v></c>" * 40_000 + b"</row>"
    file = build_xlsx(tmp_path / "row.xlsx", rows=[HEADER_ROW, named_row(3, "ООО «Потом»"), long_row])
    refused(supervisor_client, file, "В книге Excel есть строка больше чем из 16384 ячеек", media)


def test_styles_of_more_cell_formats_than_excel_allows_are_refused(supervisor_client, tmp_path, media):
    """Read whole by openpyxl, 290,000 formats in 180 KB took 500 MB; only the date formats are read now."""
    formats = b"".join(b'<xf numFmtId="%d"/>' % (k * 7919 % 100_003) for k in range(import_files.MAX_CELL_FORMATS + 1))
    styles = b"<styleSheet " + MAIN + b"><cellXfs>" + formats + b"</cellXfs></styleSheet>"
    file = build_xlsx(tmp_path / "styles.xlsx", rows=[HEADER_ROW], styles=styles)
    refused(supervisor_client, file, "Часть «xl/styles.xml» книги Excel сложнее обычного (больше 65536", media)


def test_a_workbook_part_of_more_elements_than_workbooks_have_is_refused(supervisor_client, tmp_path, media):
    names = b"".join(b'<definedName name="n%d">S!$A$1</definedName>' % k for k in range(import_files.PART_ELEMENTS))
    workbook = WORKBOOK.replace(b"</workbook>", b"<definedNames>" + names + b"</definedNames></workbook>")
    file = build_xlsx(tmp_path / "names.xlsx", rows=[HEADER_ROW], workbook=workbook)
    refused(supervisor_client, file, "Часть «xl/workbook.xml» книги Excel сложнее обычного (больше 50000", media)


def test_dates_are_read_by_the_styles_of_their_cells(tmp_path):
    """Excel's own date format (14) and a custom one; a number in a plain style stays a number."""
    styles = (
        b"<styleSheet "
        + MAIN
        + b'><numFmts count="1"><numFmt numFmtId="164" formatCode="dd.mm.yyyy hh:mm"/></numFmts>'
        + b'<cellStyleXfs><xf numFmtId="14"/></cellStyleXfs>'
        + b'<cellXfs><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/></cellXfs></styleSheet>'
    )
    row = b'<row r="2"><c r="A2" s="1"><v>45352</v></c><c r="B2" s="2"><v>45352.5</v></c><c r="C2"><v>7</v></c></row>'
    header = "".join(f'<c r="{c}1" t="inlineStr"><is><t>{c}</t></is></c>' for c in "ABC").encode()
    file = build_xlsx(tmp_path / "dates.xlsx", rows=[b'<row r="1">' + header + b"</row>", row], styles=styles)
    sheet = import_files.read_sheet(file, "xlsx")
    assert sheet.rows == [(2, [datetime.datetime(2024, 3, 1), datetime.datetime(2024, 3, 1, 12), 7])]


def test_rows_past_the_limit_are_refused_though_the_sheet_declares_fewer(supervisor_client, tmp_path, media, settings):
    """The sheet's dimension says A1:A3; the upload used to trust it and read only the first rows."""
    settings.CLIENT_IMPORT_MAX_ROWS = 25
    rows = [HEADER_ROW, *(named_row(n, f"ООО «{n}»") for n in range(2, 28))]
    file = build_xlsx(tmp_path / "rows.xlsx", rows=rows, dimension="A1:A3")
    refused(supervisor_client, file, "В файле больше 25 строк: разделите его на несколько файлов.", media)


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_cells_past_the_limit_are_refused(supervisor_client, media, settings, file_format):
    settings.CLIENT_IMPORT_MAX_CELLS = 30
    rows = [["Наименование", "ИНН", "Комментарий"], *[[f"ООО «{i}»", company_inn(i), "текст"] for i in range(10)]]
    file = csv_upload(rows) if file_format == "csv" else xlsx_upload(rows)
    refused(supervisor_client, file, "В файле больше 30 ячеек: разделите его на несколько файлов.", media)


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_columns_past_the_limit_are_refused(supervisor_client, media, file_format):
    rows = [[f"Колонка {i}" for i in range(import_files.MAX_COLUMNS + 1)], ["ООО «Широкое»"]]
    file = csv_upload(rows) if file_format == "csv" else xlsx_upload(rows)
    refused(supervisor_client, file, "В файле больше 200 колонок: оставьте только нужные.", media)


def test_a_csv_line_past_the_limit_is_refused(supervisor_client, media):
    line = "x" * (import_files.MAX_CSV_LINE + 1)
    file = SimpleUploadedFile("clients.csv", f"Наименование;Комментарий\nООО «Длинное»;{line}\n".encode())
    refused(supervisor_client, file, "В файле есть строка длиннее 100000 знаков", media)


def test_a_csv_of_many_empty_columns_in_one_line_is_refused(supervisor_client, media):
    file = SimpleUploadedFile("clients.csv", "Наименование\nООО «Ромашка»".encode() + b";" * 2_000_000)
    refused(supervisor_client, file, "В файле есть строка длиннее 100000 знаков", media)


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_file_read_past_the_time_budget_is_refused(supervisor_client, media, settings, file_format):
    settings.CLIENT_IMPORT_READ_SECONDS = 0
    rows = [["Наименование"], *[[f"ООО «{i}»"] for i in range(50)]]
    file = csv_upload(rows) if file_format == "csv" else xlsx_upload(rows)
    refused(supervisor_client, file, "Файл читается дольше 0 с: разделите его на несколько файлов.", media)


# --- read once --------------------------------------------------------------------------------


def test_the_file_is_read_once_and_the_later_steps_read_the_kept_rows(supervisor_client, monkeypatch):
    """The probe: every view of the mapping page re-read the workbook (20 s, +110 MB each time)."""
    opened: list[object] = []
    original_init = zipfile.ZipFile.__init__

    def counting_init(self, file, *args, **kwargs):
        opened.append(file)
        original_init(self, file, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "__init__", counting_init)
    rows = [["Наименование", "ИНН"], *[[f"ООО «Клиент {i}»", int(company_inn(i))] for i in range(30)]]
    record = upload(supervisor_client, xlsx_upload(rows))
    assert opened, "the upload reads the workbook"
    opened.clear()

    for _ in range(3):
        response = supervisor_client.get(record.get_absolute_url())
        assert response.status_code == 200 and len(response.context["preview"]) == import_files.PREVIEW_ROWS
    response = supervisor_client.post(record.get_absolute_url(), mapping_data(record), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert supervisor_client.post(record.get_absolute_url(), {**mapping_data(record), "import": "1"}).status_code == 302

    assert opened == []  # no workbook was opened after the upload
    record.refresh_from_db()
    assert record.report["created"] == 30 and record.report["errors"] == []
    assert Client.objects.get(name="ООО «Клиент 7»").inn == company_inn(7)


def test_the_kept_rows_are_the_rows_not_the_file(supervisor_client, media):
    rows = [["Наименование", "Комментарий"], ["ООО «Ромашка»", "первая"], [None, None], ["ООО «Лютик»", "третья"]]
    record = upload(supervisor_client, xlsx_upload(rows))
    assert record.file.name.endswith(".jsonl.gz")
    with record.file.open("rb") as kept:
        lines = gzip.decompress(kept.read()).decode().splitlines()
    assert [json.loads(line) for line in lines] == [[2, ["ООО «Ромашка»", "первая"]], [4, ["ООО «Лютик»", "третья"]]]
    assert record.row_count == 2


def test_an_upload_kept_by_the_previous_version_asks_for_the_file_again(supervisor_client, media):
    """Uploads made before the rows were kept hold the file itself: the page says to upload it again."""
    record = upload(supervisor_client, csv_upload([["Наименование"], ["ООО «Старое»"]]))
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["Наименование"], ["ООО «Старое»"]])
    with open(record.file.path, "wb") as stored:
        stored.write(buffer.getvalue().encode())
    response = supervisor_client.get(record.get_absolute_url(), follow=True)
    assert response.redirect_chain[-1][0] == IMPORT_URL
    assert "Загруженный файл больше не хранится: загрузите его снова." in response.content.decode()
    assert Client.objects.count() == 0


def test_an_unwritable_file_store_is_said_and_nothing_is_recorded(supervisor_client, settings, tmp_path):
    """A file where the media folder should be fails as a full or read-only disk does (and for root too)."""
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    settings.MEDIA_ROOT = blocker
    response = supervisor_client.post(IMPORT_URL, {"file": csv_upload([["Наименование"], ["ООО «Ромашка»"]])})
    assert response.status_code == 200
    assert "Файл не сохранён: хранилище файлов на сервере недоступно" in response.content.decode()
    assert not ClientImport.objects.exists()


def test_a_part_whose_directory_understates_its_size_is_read_no_further(supervisor_client, tmp_path, media, settings):
    """The caps trust the zip directory because zipfile unpacks no more than it states: a shared strings
    part of 20 MB that claims 100 KB is cut there and fails its checksum, long before its 1.2 million
    strings pass the cells limit."""
    settings.CLIENT_IMPORT_MAX_CELLS = 10_000
    path = tmp_path / "liar.xlsx"
    build_xlsx(path, rows=[HEADER_ROW], strings=(b"<si><t>a</t></si>" * 60_000 for _ in range(20)))
    data = bytearray(path.read_bytes())
    entry = data.index(b"PK\x01\x02")  # the central directory's entries, to that of the shared strings
    while (
        data[entry + 46 : entry + 46 + int.from_bytes(data[entry + 28 : entry + 30], "little")]
        != b"xl/sharedStrings.xml"
    ):
        entry = data.index(b"PK\x01\x02", entry + 4)
    data[entry + 24 : entry + 28] = (100_000).to_bytes(4, "little")  # its unpacked size
    file = SimpleUploadedFile("liar.xlsx", bytes(data))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        assert archive.getinfo("xl/sharedStrings.xml").file_size == 100_000

    elapsed = refused(supervisor_client, file, "Файл не является книгой Excel", media)
    assert elapsed < 3
