#!/usr/bin/env bash
# Render a graded workbook as LibreOffice prints it: a PDF of every sheet, then a PNG per page.
#
#   scripts/render_pages.sh BOOK.graded.xlsx [OUT_DIR] [DPI]
#
# OUT_DIR defaults to BOOK's folder + /pages, DPI to 60. Needs LibreOffice Calc and poppler:
#   apt-get install -y libreoffice-calc poppler-utils
# Prints the PDF's path and the PNG pages (OUT_DIR/page-01.png, ...).
set -euo pipefail

if [[ $# -lt 1 || $# -gt 3 ]]; then
    echo "usage: $0 BOOK.xlsx [OUT_DIR] [DPI]" >&2
    exit 2
fi
book=$1
out=${2:-$(dirname "$book")/pages}
dpi=${3:-60}
[[ -f $book ]] || { echo "$book: no such file" >&2; exit 2; }
mkdir -p "$out"

# A throwaway LibreOffice profile: runs beside an open LibreOffice, leaves the user's alone.
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
libreoffice -env:UserInstallation="file://$profile" --headless \
    --convert-to pdf --outdir "$out" "$book" >/dev/null 2>&1
name=$(basename "$book")
pdf="$out/${name%.*}.pdf"
[[ -f $pdf ]] || { echo "LibreOffice wrote no PDF for $book" >&2; exit 1; }

rm -f "$out"/page-*.png
pdftoppm -png -r "$dpi" "$pdf" "$out/page"
echo "$pdf"
ls "$out"/page-*.png
