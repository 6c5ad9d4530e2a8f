"""The Summary sheet: letters, statistics of the totals, their distribution by letter band,
and how each assessment went, two charts on top.

Each table is computed once, here, and both written and charted from the same frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gradeproc.compute.letters import snap
from gradeproc.write import style
from gradeproc.write.cells import Column, SheetWriter, to_columns

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook as XlsxWorkbook
    from xlsxwriter.worksheet import Worksheet

    from gradeproc.policy import Policy
    from gradeproc.validation import Gradebook


def letter_order(letters: pd.Series, order: Sequence[str]) -> list[str]:
    """The Letters sheet's order (`Policy.letter_order`), then every other letter given (an
    override such as I or W) alphabetically: the one order every list of letters uses."""
    given = {v for v in pd.unique(letters.to_numpy(dtype=object)) if not pd.isna(v)}
    return [*order, *sorted(given - set(order))]


def letter_counts(grades: pd.DataFrame, order: Sequence[str]) -> pd.DataFrame:
    """Students per letter in `letter_order`, the Letters sheet's letters even when none has
    it, with their share of the class."""
    letters = letter_order(grades["Letter"], order)
    counts = grades["Letter"].value_counts().reindex(letters, fill_value=0).to_numpy()
    total = int(counts.sum())
    return pd.DataFrame(
        {
            "Letter": letters,
            "Students": counts.astype("int64"),
            # a share (0.25 shows as 25.0%), formatted like the Assessments' share columns
            "Percent": snap(counts / total) if total else np.zeros(len(letters)),
        }
    )


def total_statistics(grades: pd.DataFrame) -> list[tuple[str, float]]:
    """Count, mean, median, standard deviation, minimum and maximum of the totals, each
    snapped to its decimal (the mean of 90.1 and 80.2 is 85.15, not 85.14999999999999)."""
    total = grades["Total"].dropna()
    if total.empty:
        return [("Students with a total", 0)]
    values = snap(
        np.array([total.mean(), total.median(), total.std(ddof=0), total.min(), total.max()])
    )
    labels = ("Mean", "Median", "Standard deviation", "Minimum", "Maximum")
    return [
        ("Students with a total", int(total.count())),
        *((label, float(v)) for label, v in zip(labels, values, strict=True)),
    ]


def write_summary(
    book: XlsxWorkbook,
    writer: SheetWriter,
    grades: pd.DataFrame,
    gradebook: Gradebook,
    details: pd.DataFrame | None = None,
) -> None:
    """A page for the instructor: the two charts on top, then the tables they are drawn from.

    Letters (count, share, range), statistics of the totals, the distribution of totals in
    5-point bins split by letter band with the cut-offs, and how each assessment went. Tables
    go down column A, as constant_memory writes rows in order; the charts float above them.
    """
    formats = writer.formats
    policy = gradebook.policy
    sheet = book.add_worksheet("Summary")
    ranges = {r.letter: r.text for r in policy.letters}
    counts = letter_counts(grades, policy.letter_order)
    counts.insert(1, "Range", [ranges.get(x, "set by override") for x in counts["Letter"]])
    histogram = total_histogram(grades, policy)
    stats = None
    if details is not None:
        stats = assessment_statistics(details, gradebook.assessments)
    statistics = total_statistics(grades)
    totals = pd.DataFrame(statistics, columns=["Statistic", "Value"])
    # each table converted once, for its widths and its cells
    columns = {
        name: to_columns(frame)
        for name, frame in (
            ("Letters", counts),
            ("Totals", totals),
            ("Distribution of totals", histogram),
            ("Assessments", stats),
        )
        if frame is not None
    }
    widths = _summary_widths(sheet, list(columns.values()))

    course = style.course_title(policy)
    sheet.set_row(0, 24)
    sheet.write(0, 0, f"Summary: {course}" if course else "Summary", formats["title"])
    n_total = int(statistics[0][1])  # "Students with a total"
    counts_line = f"{len(grades)} students, {n_total} with a total"
    n_ungraded = int(grades["Flags"].fillna("").str.contains("UNGRADED", regex=False).sum())
    if n_ungraded:
        counts_line += f", {n_ungraded} with work handed in but not graded yet (flag UNGRADED)"
    sheet.write(1, 0, counts_line, formats["note"])

    # The charts, side by side over the tables' width; the tables start below them.
    chart_row, chart_height = 3, 320
    page = sum(style.column_pixels(w) for w in widths)
    letter_width = max(380, int(page * 0.4))
    histogram_width = max(480, page - letter_width - 16)
    row = chart_row + int(np.ceil(chart_height / CHART_ROW_PX)) + 1

    def table(title: str, start: int, **column_formats: str) -> int:
        sheet.write(start, 0, title, formats["heading"])
        height = _table_header_height(columns[title], widths)
        if height:
            sheet.set_row(start + 1, height)
        return writer.frame(
            sheet, columns[title], start_row=start + 1, column_formats=column_formats
        )

    # Letters, coloured as on Grades.
    letters_top = row + 1
    end = table("Letters", row, Percent="share")
    style.letter_formats(sheet, letters_top + 1, end - 1, 0, counts["Letter"].tolist(), formats)
    chart = book.add_chart({"type": "column"})
    chart.add_series(
        {
            "name": "Students",
            "categories": ["Summary", letters_top + 1, 0, end - 1, 0],
            "values": ["Summary", letters_top + 1, 2, end - 1, 2],
            "data_labels": {"value": True},
            "gap": 60,
            "points": [
                {"fill": {"color": style.BAR_COLOURS[style.letter_band(x)]}}
                for x in counts["Letter"]
            ],
        }
    )
    chart.set_title({"name": "Letters", "name_font": {"size": 12}})
    chart.set_legend({"none": True})
    chart.set_y_axis(COUNT_AXIS)
    sheet.insert_chart(
        chart_row, 0, chart, {"x_scale": letter_width / 480, "y_scale": chart_height / 288}
    )

    # Statistics of the totals: counts as integers, the rest with two decimals.
    row = end + 1
    sheet.write(row, 0, "Totals", formats["heading"])
    row += 1
    sheet.write_row(row, 0, ["Statistic", "Value"], formats["header"])
    for label, value in statistics:
        row += 1
        sheet.write(row, 0, label)
        sheet.write(row, 1, value, None if isinstance(value, int) else formats["percent"])

    # The distribution of totals, stacked by letter band, with the cut-offs in each bin.
    row += 2
    page_breaks = [row]  # printed, the tables below the charts and the Letters start a page
    hist_top = row + 1
    end = table("Distribution of totals", row)
    chart = book.add_chart({"type": "column", "subtype": "stacked"})
    for band, key in histogram.attrs["bands"].items():
        c = histogram.columns.get_loc(band)
        chart.add_series(
            {
                "name": ["Summary", hist_top, c, hist_top, c],
                "categories": ["Summary", hist_top + 1, 0, end - 1, 0],
                "values": ["Summary", hist_top + 1, c, end - 1, c],
                "fill": {"color": style.BAR_COLOURS[key]},
                "border": {"color": "#FFFFFF", "width": 0.5},
                "gap": 10,
                "overlap": 100,
            }
        )
    marks = ", ".join(cutoff_text(*c) for c in cutoffs(policy))
    chart.set_title({"name": "Totals in bins of 5 points", "name_font": {"size": 12}})
    chart.set_x_axis(
        {
            "name": f"Letter cut-offs: {marks}",
            "name_font": {"size": 9, "bold": False},
            "num_font": {"rotation": -45, "size": 8},
        }
    )
    chart.set_y_axis(COUNT_AXIS)
    chart.set_legend({"position": "right", "font": {"size": 9}})
    sheet.insert_chart(
        chart_row,
        0,
        chart,
        {
            "x_offset": letter_width + 16,
            "x_scale": histogram_width / 480,
            "y_scale": chart_height / 288,
        },
    )

    # How each assessment went: a colour scale on the mean, bars on the shares.
    if stats is not None:
        row = end + 1
        top = row + 1
        share_columns = [c for c in stats.columns if c.startswith("Share ")]
        end = table(
            "Assessments",
            row,
            Mean="percent",
            Median="percent",
            **{"Mean %": "percent"},
            **{c: "share" for c in share_columns},
        )
        if end - 1 > top:
            mean = stats.columns.get_loc("Mean %")
            # Red only below the lowest passing cut-off; above it a calm white-to-blue
            # scale over the range where letters are given, so a 76 % mean is no alarm.
            floor = min((low for _, low, _ in cutoffs(policy)), default=60.0)
            floor = int(floor) if float(floor).is_integer() else floor
            sheet.conditional_format(
                top + 1,
                mean,
                end - 1,
                mean,
                {
                    "type": "cell",
                    "criteria": "<",
                    "value": floor,
                    "format": formats["band_F"],
                    "stop_if_true": True,
                },
            )
            sheet.conditional_format(
                top + 1,
                mean,
                end - 1,
                mean,
                {
                    "type": "2_color_scale",
                    "min_type": "num",
                    "min_value": floor,
                    "min_color": "#FFFFFF",
                    "max_type": "num",
                    "max_value": 100,
                    "max_color": "#9BC2E6",
                },
            )
            for name in share_columns:
                c = stats.columns.get_loc(name)
                sheet.conditional_format(
                    top + 1,
                    c,
                    end - 1,
                    c,
                    {
                        "type": "data_bar",
                        "bar_color": "#F4B183",
                        "bar_solid": True,
                        "min_type": "num",
                        "min_value": 0,
                        "max_type": "max",
                    },
                )
        sheet.write(
            end,
            0,
            "Mean and median of the final scores, after late penalties; each share is of all "
            "students on the roster.",
            formats["note"],
        )
    sheet.set_h_pagebreaks(page_breaks)
    style.print_setup(sheet, header_row=0, gridlines=False, widths=widths, title=course)


CHART_ROW_PX = 20  # a default row, in pixels
# A chart axis counting students: whole numbers, one gridline per student at most.
COUNT_AXIS = {
    "name": "Students",
    "major_gridlines": {"visible": True},
    "min": 0,
    "major_unit": 1,
    "num_format": "0",
}


def _table_header_height(columns: list[Column], widths: list[float]) -> float | None:
    names = [c.name for c in columns]
    return style.header_height(names, [widths[c] + 2 for c in range(len(names))])


def _summary_widths(sheet: Worksheet, tables: list[list[Column]]) -> list[float]:
    """One width per column over every table of the Summary (they all start in column A)."""
    widths: dict[int, float] = {0: 22}
    for table in tables:
        for c, column in enumerate(table):
            if column.kind == "number":
                data = 8
            else:
                data = max([0, *(len(str(v)) for v in column.values.tolist())])
            widths[c] = max(widths.get(c, 9), min(len(column.name), 12) + 2, data + 2)
    out = [min(widths[c], 40) for c in range(max(widths) + 1)]
    for c, width in enumerate(out):
        sheet.set_column(c, c, width)
    return out


# --- the tables --------------------------------------------------------------------------


BIN_WIDTH = 5
TOP_BIN = 100


def bin_labels() -> list[str]:
    labels = [f"{lo}–{lo + BIN_WIDTH}" for lo in range(0, TOP_BIN, BIN_WIDTH)]
    return [*labels, f"{TOP_BIN}+"]


def band_names(policy: Policy) -> dict[str, str]:
    """Legend name of each letter band, with its cut-off: `A, A- (90+)`, `D, Fail (below 68)`."""
    members: dict[str, list] = {}
    for r in policy.letters:
        members.setdefault(style.letter_band(r.letter), []).append(r)
    names: dict[str, str] = {}
    for band, ranges in members.items():
        letters = ", ".join(r.letter for r in ranges)
        lows = [r for r in ranges if np.isfinite(r.low)]
        above = [
            r.low
            for r in policy.letters
            if style.letter_band(r.letter) != band and np.isfinite(r.low)
        ]
        if band == "other":
            names[band] = f"Other ({letters})"
        elif len(lows) < len(ranges) and above:  # the bottom band: "below" the next one up
            names[band] = f"{letters} (below {min(above):g})"
        elif lows:
            low = min(lows, key=lambda r: (r.low, not r.low_inclusive))
            bound = f"{low.low:g}+" if low.low_inclusive else f"> {low.low:g}"
            names[band] = f"{letters} ({bound})"
        else:
            names[band] = letters
    return names


def cutoffs(policy: Policy) -> list[tuple[str, float, bool]]:
    """(letter, lower bound, inclusive) of every letter with a finite lower bound, high first."""
    out = [(r.letter, float(r.low), bool(r.low_inclusive)) for r in policy.letters]
    return sorted([c for c in out if np.isfinite(c[1])], key=lambda c: -c[1])


def cutoff_text(letter: str, low: float, inclusive: bool) -> str:
    return f"{letter} {'≥' if inclusive else '>'} {low:g}"


def total_histogram(grades: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Students per 5-point bin of Total, split by letter band, with the cut-offs in each bin,
    from the lowest bin holding a total or a cut-off to the highest."""
    labels = bin_labels()
    total = grades["Total"].to_numpy(dtype="float64")
    has = ~np.isnan(total)
    bins = np.clip(np.floor(total[has] / BIN_WIDTH), 0, len(labels) - 1).astype(np.int64)
    bands = np.array([style.letter_band(x) for x in grades["Letter"].to_numpy(dtype=object)[has]])
    names = band_names(policy)
    if (bands == "other").any() and "other" not in names:
        others = sorted({str(x) for x in grades["Letter"][has][bands == "other"]})
        names["other"] = f"Other ({', '.join(others)})"
    order = [b for b in style.BANDS if b in names]
    marks = [""] * len(labels)
    for letter, low, inclusive in cutoffs(policy):
        b = int(min(max(low // BIN_WIDTH, 0), len(labels) - 1))
        text = cutoff_text(letter, low, inclusive)
        marks[b] = f"{text}, {marks[b]}" if marks[b] else text
    frame = pd.DataFrame({"Total": labels, "Letter cut-offs": marks})
    frame["Students"] = np.bincount(bins, minlength=len(labels))
    for band in order:
        frame[names[band]] = np.bincount(bins[bands == band], minlength=len(labels))
    frame.attrs["bands"] = {names[band]: band for band in order}  # column -> band key
    # The empty bins below the lowest total and cut-off, and above the highest, say nothing
    # and would print as a page of zeros: the table (and chart) runs over the rest.
    used = np.flatnonzero((frame["Students"].to_numpy() > 0) | (frame["Letter cut-offs"] != ""))
    if len(used):
        frame = frame.iloc[used[0] : used[-1] + 1].reset_index(drop=True)
    return frame


def assessment_statistics(details: pd.DataFrame, assessments: pd.DataFrame) -> pd.DataFrame:
    """Per assessment: mean and median final score, and the shares late, missing, not graded
    yet and excused."""
    status = details["Status"].to_numpy(dtype=object)
    shares = {
        "Share late": details["Days late"].to_numpy(dtype="float64") > 0,
        "Share missing": details["Raw score"].isna().to_numpy()
        & ~np.isin(status, ["EXCUSED", "UNGRADED"]),
        "Share ungraded": status == "UNGRADED",
        "Share excused": status == "EXCUSED",
    }
    frame = pd.DataFrame(
        {
            "Assessment": details["Assessment"].to_numpy(dtype=object),
            "final": details["Final score"].to_numpy(dtype="float64"),
            **shares,
        }
    )
    grouped = frame.groupby("Assessment", sort=False)
    names = assessments.index
    means = grouped.mean().reindex(names)  # every column in one pass
    max_points = assessments["max_points"].to_numpy(dtype="float64")
    # Each statistic snapped to its decimal, as a person would work it out (compute.letters).
    mean = snap(means["final"])
    stats = {
        "Assessment": names.to_numpy(dtype=object),
        "Category": assessments["category"].to_numpy(dtype=object),
        "Max points": max_points,
        "Mean": mean,
        "Median": snap(grouped["final"].median().reindex(names)),
        "Mean %": snap(mean * 100 / np.where(max_points > 0, max_points, np.nan)),
        **{name: snap(means[name].fillna(0.0)) for name in shares},
    }
    return pd.DataFrame(stats)
