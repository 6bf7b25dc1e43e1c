"""Workbooks built part by part, so tests and the import bench can break or inflate any one part."""
from __future__ import annotations

import io
import zipfile

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
</Types>"""
_PACKAGE_RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Target="xl/workbook.xml"
 Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>
</Relationships>"""
WORKBOOK = f"""<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="{MAIN}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="Anggota" sheetId="1" r:id="rId1"/></sheets></workbook>"""
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Target="worksheets/sheet1.xml"
 Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>
<Relationship Id="rId2" Target="sharedStrings.xml"
 Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>
</Relationships>"""
#: The header row: NIK, No KK, Nama, Kode Kelompok, Alamat in inline strings.
HEADER_ROW = "<row r=\"1\">" + "".join(
    f'<c r="{column}1" t="inlineStr"><is><t>{label}</t></is></c>'
    for column, label in zip("ABCDE", ("NIK", "No KK", "Nama", "Kode Kelompok", "Alamat"))) + "</row>"


def sheet_xml(rows: str = "", prolog: str = "") -> str:
    """A worksheet part: an optional DTD prolog, the header row, then `rows` (raw XML)."""
    return (f'<?xml version="1.0" encoding="UTF-8"?>{prolog}'
            f'<worksheet xmlns="{MAIN}"><sheetData>{HEADER_ROW}{rows}</sheetData></worksheet>')


def shared_strings(*texts: str) -> str:
    """A shared-strings part holding `texts`."""
    items = "".join(f"<si><t>{text}</t></si>" for text in texts)
    return f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="{len(texts)}">{items}</sst>'


def xlsx(sheet: str | bytes | None = None, workbook: str = WORKBOOK, strings: str | bytes | None = None,
         extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal workbook, part by part, so a test can break or inflate any one of them."""
    parts = {"[Content_Types].xml": _CONTENT_TYPES, "_rels/.rels": _PACKAGE_RELS, "xl/workbook.xml": workbook,
             "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS,
             "xl/worksheets/sheet1.xml": sheet if sheet is not None else sheet_xml(),
             "xl/sharedStrings.xml": strings if strings is not None else shared_strings(), **(extra or {})}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


# -- hostile files ---------------------------------------------------------------------------------

def empty_rows_bomb(rows: int = 3_000_000) -> bytes:
    """Under 200 KB zipped, `rows` empty rows (about 45 MB of XML) once unpacked."""
    return xlsx(sheet_xml("<row><c/></row>" * rows))


def long_string_bomb(characters: int = 50_000_000) -> bytes:
    """Under 200 KB zipped, one shared string of `characters` letters once unpacked."""
    return xlsx(sheet_xml('<row r="2"><c r="C2" t="s"><v>0</v></c></row>'), strings=shared_strings("A" * characters))


def last_row_only() -> bytes:
    """One name in the sheet's very last row (1,048,576): a reader sees a million blank rows above it."""
    return xlsx(sheet_xml('<row r="1048576"><c r="C1048576" t="inlineStr"><is><t>Ujang</t></is></c></row>'))


def xxe_sheet(secret_path) -> str:
    """A sheet whose one name is an external entity reading `secret_path` (XXE)."""
    prolog = f'<!DOCTYPE worksheet [<!ENTITY secret SYSTEM "file://{secret_path}">]>'
    return sheet_xml('<row r="2"><c r="C2" t="inlineStr"><is><t>&secret;</t></is></c></row>', prolog)


def billion_laughs() -> str:
    """Shared strings whose one string expands to 10^9 "ha" (entities of ten entities each)."""
    entities = '<!ENTITY l0 "ha">' + "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    return (f'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE sst [{entities}]>'
            f'<sst xmlns="{MAIN}" count="1"><si><t>&l9;</t></si></sst>')
