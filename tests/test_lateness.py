"""policy.md §2, each worked example on its own, on small in-memory frames."""

from __future__ import annotations

import pandas as pd
import pytest

from gradeproc.compute.lateness import days_late, effective_due, late_deduction
from gradeproc.parse import localize

DUE = pd.Timestamp("2024-10-15 23:59:00", tz="America/New_York").tz_convert("UTC")


def cell(value: object) -> pd.DataFrame:
    """A one-student, one-assessment frame of UTC times."""
    return pd.DataFrame({"HW3": pd.Series([value], index=["s1"], dtype="datetime64[ns, UTC]")})


def one_cell_days(submitted: pd.Timestamp, due: pd.Timestamp = DUE, grace: float = 0) -> int:
    frame, due_frame = cell(submitted), cell(due)
    return int(days_late(frame, due_frame, pd.Series([True], index=["HW3"]), grace).iloc[0, 0])


@pytest.mark.parametrize(
    ("after_due", "expected_days"),
    [
        (pd.Timedelta(0), 0),  # exactly on time
        (pd.Timedelta(seconds=-1), 0),  # early
        (pd.Timedelta(seconds=1), 1),  # 1 second late is 1 day
        (pd.Timedelta(days=1), 1),  # exactly 24 h is 1 day
        (pd.Timedelta(days=2, minutes=1), 3),  # the syllabus example: 2 days 1 minute -> 3
        (pd.Timedelta(hours=72), 3),  # exactly 72 h is 3 days
        (pd.Timedelta(hours=72, seconds=1), 4),  # 72 h + 1 s is 4 days: rejected
    ],
)
def test_days_late_is_ceil_of_elapsed_days(after_due: pd.Timedelta, expected_days: int) -> None:
    assert one_cell_days(DUE + after_due) == expected_days


def test_grace_minutes_count_as_on_time() -> None:
    assert one_cell_days(DUE + pd.Timedelta(minutes=10), grace=10) == 0
    assert one_cell_days(DUE + pd.Timedelta(minutes=10, seconds=1), grace=10) == 1


def test_no_timestamp_or_no_late_policy_is_never_late() -> None:
    frame, due = cell(pd.NaT), cell(DUE)
    assert days_late(frame, due, pd.Series([True], index=["HW3"])).iloc[0, 0] == 0
    late = cell(DUE + pd.Timedelta(days=2))
    assert days_late(late, due, pd.Series([False], index=["HW3"])).iloc[0, 0] == 0


def penalise(raw: float, days: int, basis: str = "max_points", max_points: float = 100):
    points = pd.DataFrame({"HW3": [raw]}, index=["s1"], dtype="float64")
    n_days = pd.DataFrame({"HW3": [days]}, index=["s1"])
    deduction, after, rejected = late_deduction(
        points, n_days, pd.Series([max_points], index=["HW3"]), 5, 3, basis
    )
    return deduction.iloc[0, 0], after.iloc[0, 0], bool(rejected.iloc[0, 0])


def test_syllabus_example_95_three_days_late_is_80() -> None:
    assert penalise(95, 3) == (15, 80, False)


def test_earned_score_basis_is_the_other_reading() -> None:
    deduction, after, _ = penalise(95, 3, basis="earned_score")
    assert after == pytest.approx(80.75)
    assert deduction == pytest.approx(14.25)


def test_late_score_is_floored_at_zero() -> None:
    assert penalise(10, 3) == (10, 0, False)


def test_beyond_the_cutoff_is_rejected_with_zero() -> None:
    assert penalise(95, 4) == (95, 0, True)


def test_on_time_keeps_the_score() -> None:
    assert penalise(95, 0) == (0, 95, False)


def naive(text: str) -> pd.Series:
    return pd.Series([pd.Timestamp(text)])


def test_dst_weekend_counts_elapsed_time_not_the_wall_clock() -> None:
    # Due Sat 2024-11-02 23:59 EDT; submitted Sun 23:30 EST: 23 h 31 min on the wall clock,
    # 24 h 31 min elapsed because the clocks went back an hour, so 2 days late, not 1.
    due = localize(naive("2024-11-02 23:59"), "America/New_York")[0]
    submitted = localize(naive("2024-11-03 23:30"), "America/New_York")[0]
    assert submitted - due == pd.Timedelta(hours=24, minutes=31)
    assert one_cell_days(submitted, due) == 2


def test_repeated_hour_is_its_first_occurrence() -> None:
    first = localize(naive("2024-11-03 01:30"), "America/New_York")[0]
    assert first == pd.Timestamp("2024-11-03 05:30", tz="UTC")  # 01:30 EDT, not EST


def test_skipped_hour_uses_the_offset_before_the_change() -> None:
    skipped = localize(naive("2024-03-10 02:30"), "America/New_York")[0]
    assert skipped == pd.Timestamp("2024-03-10 07:30", tz="UTC")  # 02:30 EST = 03:30 EDT
    assert skipped.tz_convert("America/New_York").strftime("%H:%M") == "03:30"


def extensions_table(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "student_id": [r[0] for r in rows],
            "assessment": [r[1] for r in rows],
            "extra_days": pd.Series([r[2] for r in rows], dtype="float64"),
            "new_due": pd.Series([r[3] for r in rows], dtype="datetime64[ns, UTC]"),
            "reason": [None] * len(rows),
        }
    )


def test_extension_rows_specific_wins_over_wildcard() -> None:
    due = pd.Series([DUE, DUE + pd.Timedelta(days=7)], index=pd.Index(["HW3", "HW4"]))
    students = pd.Index(["s1", "s2", "s3"])
    new_due = pd.Timestamp("2024-10-20 12:00", tz="UTC")
    table = extensions_table(
        [("s1", "*", 1.0, None), ("s1", "HW3", 2.5, None), ("s2", "HW4", None, new_due)]
    )
    effective, extended = effective_due(due, table, students)
    assert effective.loc["s1", "HW3"] == DUE + pd.Timedelta(days=2.5)
    assert effective.loc["s1", "HW4"] == DUE + pd.Timedelta(days=8)
    assert effective.loc["s2", "HW4"] == new_due
    assert effective.loc["s2", "HW3"] == DUE
    assert extended.to_numpy().tolist() == [[True, True], [False, True], [False, False]]


def test_extra_days_are_calendar_days_across_the_clock_change() -> None:
    # HW4 is due Sat 2024-11-02 23:59 EDT; two extra days end Mon 23:59 EST, which is
    # 49 elapsed hours, not 48.
    due_utc = localize(naive("2024-11-02 23:59"), "America/New_York")
    due = pd.Series(due_utc.to_numpy(), index=pd.Index(["HW4"]))
    table = extensions_table([("s1", "HW4", 2.0, None)])
    effective, _ = effective_due(due, table, pd.Index(["s1"]), "America/New_York")
    local = effective.loc["s1", "HW4"].tz_convert("America/New_York")
    assert local.strftime("%Y-%m-%d %H:%M %Z") == "2024-11-04 23:59 EST"
    assert effective.loc["s1", "HW4"] - due_utc[0] == pd.Timedelta(hours=49)


# --- the grace period decides whether a submission is late, not how late ---------------------

GRACE = 15  # minutes


@pytest.mark.parametrize(
    ("after_due", "expected_days"),
    [
        (pd.Timedelta(minutes=10), 0),  # within the grace: on time
        (pd.Timedelta(minutes=15), 0),  # the grace's last instant is still on time
        (pd.Timedelta(minutes=15, seconds=1), 1),  # past the grace: 1 day, from the due time
        (pd.Timedelta(hours=24), 1),  # exactly a day late is 1 day
        (pd.Timedelta(hours=24, minutes=10), 2),  # counted from the due time: 2 days, not 1
        (pd.Timedelta(hours=48, minutes=10), 3),
        (pd.Timedelta(hours=72, minutes=10), 4),  # more than 3 days: not accepted
    ],
)
def test_grace_decides_whether_late_and_days_count_from_the_due_time(
    after_due: pd.Timedelta, expected_days: int
) -> None:
    assert one_cell_days(DUE + after_due, grace=GRACE) == expected_days


def test_72_hours_10_minutes_late_with_grace_is_not_accepted() -> None:
    days = one_cell_days(DUE + pd.Timedelta(hours=72, minutes=10), grace=GRACE)
    assert penalise(95, days) == (95, 0, True)


def _due_after_extension(due: pd.Timestamp, extra_days: float) -> pd.Timestamp:
    table = extensions_table([("s1", "HW3", extra_days, None)])
    effective, extended = effective_due(
        pd.Series([due], index=pd.Index(["HW3"])), table, pd.Index(["s1"])
    )
    assert bool(extended.iloc[0, 0])
    return effective.iloc[0, 0]


@pytest.mark.parametrize(
    ("after_due", "expected_days", "without_the_extension"),
    [
        (pd.Timedelta(minutes=10), 0, 3),
        (pd.Timedelta(hours=24, minutes=10), 2, 4),
        (pd.Timedelta(hours=72, minutes=10), 4, 6),
    ],
)
def test_grace_with_an_extension_counts_from_the_extended_due_time(
    after_due: pd.Timedelta, expected_days: int, without_the_extension: int
) -> None:
    extended = _due_after_extension(DUE, 2)
    assert extended == DUE + pd.Timedelta(days=2)
    assert one_cell_days(extended + after_due, extended, grace=GRACE) == expected_days
    assert one_cell_days(extended + after_due, DUE, grace=GRACE) == without_the_extension


# HW4 of the template is due Saturday 2024-11-02 23:59 EDT; the clocks go back at 02:00 on
# Sunday, so a day of wall clock after it is 25 hours of real time.
DST_DUE = pd.Timestamp("2024-11-02 23:59", tz="America/New_York").tz_convert("UTC")


@pytest.mark.parametrize(
    ("submitted_wall_clock", "expected_days"),
    [
        ("2024-11-03 00:09", 0),  # 10 minutes after the due time: within the grace
        ("2024-11-03 00:15", 1),  # 16 minutes: late, 1 day
        # Sunday 23:09 EST is 23 h 10 min on the wall clock but 24 h 10 min elapsed: 2 days.
        ("2024-11-03 23:09", 2),
        ("2024-11-05 23:09", 4),  # 72 h 10 min elapsed: not accepted
    ],
)
def test_grace_across_the_dst_weekend_counts_elapsed_time(
    submitted_wall_clock: str, expected_days: int
) -> None:
    submitted = localize(naive(submitted_wall_clock), "America/New_York")[0]
    assert one_cell_days(submitted, DST_DUE, grace=GRACE) == expected_days


def test_grace_with_an_extension_across_the_dst_weekend() -> None:
    # +2 days on Sat 23:59 EDT is Mon 2024-11-04 23:59 EST, 49 elapsed hours later.
    extended = _due_after_extension(DST_DUE, 2)
    assert extended.tz_convert("America/New_York").strftime("%a %H:%M %Z") == "Mon 23:59 EST"
    on_time = localize(naive("2024-11-05 00:09"), "America/New_York")[0]
    two_days = localize(naive("2024-11-06 00:09"), "America/New_York")[0]
    assert one_cell_days(on_time, extended, grace=GRACE) == 0
    assert one_cell_days(two_days, extended, grace=GRACE) == 2


def test_grace_period_end_to_end_with_notes_and_explain(tmp_path) -> None:
    """late_grace_minutes = 15 in the Policy sheet: HW3 (due 2024-10-15 23:59) handed in
    10 min late is on time; 24 h 10 min late is 2 days (-10, 95 -> 85); 72 h 10 min late is
    more than 3 days: not accepted."""
    import datetime as dt

    from gradeproc.api import process
    from gradeproc.explain import explain
    from tests.helpers import due, syllabus_sheets, write_book

    students = [("S01", "Lovelace", "Ada"), ("S02", "Hopper", "Grace"), ("S03", "Turing", "Alan")]
    hw3 = due("HW3")
    late = {"S01": dt.timedelta(minutes=10), "S02": dt.timedelta(hours=24, minutes=10)}
    late["S03"] = dt.timedelta(hours=72, minutes=10)
    sheets = syllabus_sheets(
        students,
        {sid: [100, 100, 95, 100, 100, 100, 100, 100, 100] for sid, _, _ in students},
        {sid: [None, None, hw3 + late[sid]] for sid, _, _ in students},
    )
    for row in sheets["Policy"]:
        if row[0] == "late_grace_minutes":
            row[1] = 15
    book = write_book(tmp_path / "grace.xlsx", sheets)
    result = process(book)
    hw3_rows = result.details[result.details["Assessment"] == "HW3"].set_index("Student ID")
    assert hw3_rows[["Days late", "Deduction", "Final score", "Status"]].values.tolist() == [
        [0, 0, 95, "ON_TIME"],
        [2, 10, 85, "LATE"],
        [4, 95, 0, "LATE_REJECTED"],
    ]
    notes = result.grades.set_index("Student ID")["Notes"]
    assert notes["S01"] == ""
    assert notes["S02"] == "HW3: 2 days late, -10 points (95 -> 85)."
    assert notes["S03"] == (
        "HW3: 4 days late, over the 3-day limit: not accepted, 0 points (was 95)."
    )
    assert (
        "  HW3: 95 / 100, submitted 2024-10-16 00:09 EDT, due 2024-10-15 23:59 EDT: on time "
        "(0 h 10 min after the due time, within the 15 min grace)."
    ) in explain(book, "S01").splitlines()
    assert (
        "  HW3: 95 / 100, submitted 2024-10-17 00:09 EDT, due 2024-10-15 23:59 EDT: 2 days late "
        "(1 day 0 h 10 min after the due time, more than the 15 min grace): -10 points, "
        "95 -> 85 (2 days × 5 % of the 100 max points)."
    ) in explain(book, "S02").splitlines()
