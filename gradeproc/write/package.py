"""Parts of the package xlsxwriter writes element by element, rendered from templates.

Three parts grow with a gradebook and are regular enough for a template: the shared
strings (`xl/sharedStrings.xml`, every distinct text of the workbook) and, per sheet with
comments, the comments' texts (`xl/commentsN.xml`) and boxes (a VML shape each, where it
sits and whether it shows: `xl/drawings/vmlDrawingN.vml`). xlsxwriter spends about forty
microseconds a comment and several a string on them. The packager here renders them from
the objects xlsxwriter keeps (its string table, its placed `CommentType`s), byte for byte
what xlsxwriter writes (tests/test_write_package.py compares the two), with one deliberate
difference: a text that looks like rich-text XML (`<r>...</r>`) is written as the text it
is. xlsxwriter splices such a string into the XML unescaped, taking it for a rich string
of its own; gradeproc writes no rich strings, and an instructor's `<r>Ann</r>` must come
out as typed, not blank. A workbook whose drawings hold anything but comments (buttons,
header images) keeps xlsxwriter's drawings.

Everything else is still decided by xlsxwriter: `write_comment` keeps its options, the
workbook places each box and counts each text before packaging.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from xlsxwriter.packager import Packager
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.xmlwriter import XMLwriter

from gradeproc.write.bulk import edge_space, escaped

_ATTRIBUTE = re.compile('["&<>\n]')


def attribute(value: object) -> str:
    """A value as xlsxwriter writes it inside an attribute's quotes."""
    text = str(value)
    if not isinstance(value, str) or not _ATTRIBUTE.search(text):
        return text
    return (
        text.replace("&", "&amp;")
        .replace('"', "&quot;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\n", "&#xA;")
    )


def data(value: object) -> str:
    """A value as xlsxwriter writes it between an element's tags."""
    return escaped(value) if isinstance(value, str) else str(value)


_VML_HEAD = (
    '<xml xmlns:v="urn:schemas-microsoft-com:vml" '
    'xmlns:o="urn:schemas-microsoft-com:office:office" '
    'xmlns:x="urn:schemas-microsoft-com:office:excel">'
    '<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{data_id}"/></o:shapelayout>'
    '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" '
    'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
    '<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
)
_VML_SHAPE = (
    '<v:shape id="_x0000_s{shape_id}" type="#_x0000_t202" style="position:absolute;'
    "margin-left:{left:.15g}pt;margin-top:{top:.15g}pt;width:{width:.15g}pt;"
    'height:{height:.15g}pt;z-index:{z_index};visibility:{visibility}" '
    'fillcolor="{fill}" o:insetmode="auto"><v:fill color2="#ffffe1"/>'
    '<v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
    '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
    '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
    "<x:Anchor>{anchor}</x:Anchor><x:AutoFill>False</x:AutoFill>"
    "<x:Row>{row}</x:Row><x:Column>{col}</x:Column>{visible}</x:ClientData></v:shape>"
)


def vml_xml(data_id: object, shape_id: int, comments: Sequence[Any]) -> str:
    """A sheet's comment boxes (xlsxwriter's `CommentType`s, placed), as its VML drawing."""
    parts = [_VML_HEAD.format(data_id=attribute(data_id))]
    for z_index, comment in enumerate(comments, 1):
        col_start, row_start, x1, y1, col_end, row_end, x2, y2 = comment.vertices[:8]
        left, top, width, height = (v * 0.75 for v in comment.vertices[8:12])  # pixels: points
        parts.append(
            _VML_SHAPE.format(
                shape_id=shape_id + z_index,
                left=left,
                top=top,
                width=width,
                height=height,
                z_index=z_index,
                visibility="visible" if comment.is_visible else "hidden",
                fill=attribute(comment.color._vml_rgb_hex_value()),
                anchor=", ".join(
                    map(str, (col_start, x1, row_start, y1, col_end, x2, row_end, y2))
                ),
                row=data(comment.row),
                col=data(comment.col),
                visible="<x:Visible/>" if comment.is_visible else "",
            )
        )
    parts.append("</xml>")
    return "".join(parts)


_SST_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'count="{count}" uniqueCount="{unique}">'
)


def shared_strings_xml(table: Any) -> str:
    """The workbook's shared strings (xlsxwriter's `SharedStringTable`, sorted by index)."""
    parts = [_SST_HEAD.format(count=table.count, unique=table.unique_count)]
    for string in table.string_array:
        text = escaped(string)
        space = ' xml:space="preserve"' if edge_space(text) else ""
        parts.append(f"<si><t{space}>{text}</t></si>")
    parts.append("</sst>")
    return "".join(parts)


_COMMENTS_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<comments xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def comments_xml(comments: Iterable[Any]) -> str:
    """A sheet's comment texts (xlsxwriter's `CommentType`s), as its comments part."""
    comments = list(comments)
    authors: dict[str, int] = {}
    for comment in comments:
        if comment.author is not None:
            authors.setdefault(comment.author, len(authors))
    parts = [_COMMENTS_HEAD, "<authors>"]
    parts.extend(f"<author>{data(author)}</author>" for author in authors)
    parts.append("</authors><commentList>")
    for comment in comments:
        author = "" if comment.author is None else f' authorId="{authors[comment.author]}"'
        text = comment.text
        space = ' xml:space="preserve"' if edge_space(text) else ""
        parts.append(
            f'<comment ref="{xl_rowcol_to_cell(comment.row, comment.col)}"{author}><text><r>'
            f'<rPr><sz val="{attribute(comment.font_size)}"/><color indexed="81"/>'
            f'<rFont val="{attribute(comment.font_name)}"/>'
            f'<family val="{attribute(comment.font_family)}"/></rPr>'
            f"<t{space}>{data(text)}</t></r></text></comment>"
        )
    parts.append("</commentList></comments>")
    return "".join(parts)


class TemplatePackager(Packager):
    """xlsxwriter's packager, writing the shared strings and the cell comments (both parts)
    from templates. A workbook with a button or a header image anywhere keeps xlsxwriter's
    drawings throughout."""

    def _write_shared_strings_file(self) -> None:
        table = self.workbook.str_table
        if table.count:  # as xlsxwriter: no part without a string
            self._write_part("xl/sharedStrings.xml", shared_strings_xml(table))

    def _write_vml_files(self) -> None:
        sheets = self.workbook.worksheets()
        if any(ws.buttons_list or ws.has_header_vml for ws in sheets):
            super()._write_vml_files()
            return
        drawn = (ws for ws in sheets if ws.has_vml)  # without buttons: the sheets with comments
        for index, ws in enumerate(drawn, 1):
            xml = vml_xml(ws.vml_data_id, ws.vml_shape_id, ws.comments_list)
            self._write_part(f"xl/drawings/vmlDrawing{index}.vml", xml)

    def _write_comment_files(self) -> None:
        commented = (ws for ws in self.workbook.worksheets() if ws.has_comments)
        for index, ws in enumerate(commented, 1):
            self._write_part(f"xl/comments{index}.xml", comments_xml(ws.comments_list))

    def _write_part(self, name: str, xml: str) -> None:
        writer = XMLwriter()
        writer._set_xml_writer(self._filename(name))
        writer.fh.write(xml)
        writer._xml_close()
