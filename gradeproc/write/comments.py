"""Cell comments rendered straight to the two parts of the package that hold them.

A cell comment lives in two places of an .xlsx: its text in `xl/commentsN.xml`, its box (a
VML shape: where it sits, its colour, whether it shows) in `xl/drawings/vmlDrawingN.vml`.
xlsxwriter writes both element by element, about forty microseconds a comment; a graded
workbook has a comment on every flagged student and every shaded score, a few hundred in a
40-student book. The packager here renders them from the same comment objects with one
template each, byte for byte what xlsxwriter writes (tests/test_write_comments.py compares
the two). A sheet whose drawing holds anything else (buttons, header images) keeps
xlsxwriter's writer.

Everything about a comment is still decided by xlsxwriter: `write_comment` keeps its
options, and the workbook places each box (its vertices) before packaging.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from xlsxwriter.packager import Packager
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.xmlwriter import XMLwriter

from gradeproc.write.bulk import EDGE_SPACE, escaped

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
        space = ' xml:space="preserve"' if EDGE_SPACE.search(text) else ""
        parts.append(
            f'<comment ref="{xl_rowcol_to_cell(comment.row, comment.col)}"{author}><text><r>'
            f'<rPr><sz val="{attribute(comment.font_size)}"/><color indexed="81"/>'
            f'<rFont val="{attribute(comment.font_name)}"/>'
            f'<family val="{attribute(comment.font_family)}"/></rPr>'
            f"<t{space}>{data(text)}</t></r></text></comment>"
        )
    parts.append("</commentList></comments>")
    return "".join(parts)


class CommentPackager(Packager):
    """xlsxwriter's packager, writing cell comments (both parts) from templates. A workbook
    with a button or a header image anywhere keeps xlsxwriter's drawings throughout."""

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
