"""Every finding's code and severity, and what each code means: the one list of them.

A code is what a program matches on (`validate --json`); the message is for people. Codes are
`StrEnum` members, so they compare equal to, and print as, their text. The catalogue in
docs/developers/codes.md is generated from `CATALOGUE` by scripts/make_codes_page.py.
"""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"  # gradeproc will not grade (or write that output) until it is fixed
    WARNING = "warning"  # graded anyway; the instructor should look


class Code(StrEnum):
    # Opening the file
    FORMULA_WITHOUT_VALUE = "formula-without-value"
    FORMULA_VALUE_UNVERIFIED = "formula-value-unverified"
    FEATURE_LOST = "feature-lost"
    OPEN_IN_SPREADSHEET = "open-in-spreadsheet"
    ERROR_CELL = "error-cell"
    PERCENT_CELL = "percent-cell"
    INVISIBLE_CHARACTERS = "invisible-characters"
    TITLE_ROWS = "title-rows"
    IMPORT_NOTE = "IMPORT_NOTE"
    # Sheet shape
    MISSING_COLUMN = "missing-column"
    EXTRA_COLUMN = "extra-column"
    DUPLICATE = "duplicate"
    # Cell checks (the schemas)
    REQUIRED = "required"
    UNIQUE = "unique"
    UNIQUE_ID = "unique-id"
    NUMBER = "number"
    POSITIVE = "positive"
    NON_NEGATIVE = "non-negative"
    WHOLE = "whole"
    DATETIME = "datetime"
    POINTS = "points"
    POINTS_NEGATIVE = "points-negative"
    POINTS_ABOVE_MAX = "points-above-max"
    SETTING = "setting"
    AGGREGATION = "aggregation"
    RANGE = "range"
    YES_NO = "yes-no"
    EXTRA_DAYS_MAX = "extra-days-max"
    # The policy
    SETTING_VALUE = "setting-value"
    WEIGHTS_TOTAL = "weights-total"
    NO_CATEGORIES = "no-categories"
    EMPTY_CATEGORY = "empty-category"
    UNKNOWN_CATEGORY = "unknown-category"
    NO_LETTERS = "no-letters"
    LETTER_RANGE_EMPTY = "letter-range-empty"
    LETTER_RANGE_OVERLAP = "letter-range-overlap"
    LETTER_RANGE_GAP = "letter-range-gap"
    DUE_REQUIRED = "due-required"
    # Students and scores
    EMPTY_ROSTER = "empty-roster"
    UNKNOWN_STUDENT = "unknown-student"
    UNKNOWN_ASSESSMENT = "unknown-assessment"
    NO_SCORE_COLUMN = "no-score-column"
    NO_SCORES_ROW = "no-scores-row"
    PERCENT_SCORE = "percent-score"
    EXTENSION_AMOUNT = "extension-amount"
    UNGRADED = "ungraded"
    # Outputs
    OUTPUT_LIMIT = "output-limit"
    NO_GRADE = "no-grade"
    GRADING_BASIS = "grading-basis"
    PASS_FROM_LETTER = "pass-from-letter"
    WITHDRAWN = "withdrawn"
    SECTIONS_COLUMNS = "sections-columns"
    SECTIONS_CRN = "sections-crn"
    REGISTRAR_TERM_CODE = "registrar-term-code"
    REGISTRAR_CRN = "registrar-crn"
    REGISTRAR_DATE_FORMAT = "registrar-date-format"
    REGISTRAR_DATE = "registrar-date"
    REGISTRAR_LAST_ATTENDED = "registrar-last-attended"
    REGISTRAR_INCOMPLETE_GRADE = "registrar-incomplete-grade"
    REGISTRAR_EXTENSION_DATE = "registrar-extension-date"
    REGISTRAR_FORMULA = "registrar-formula"
    CANVAS_LETTER = "CANVAS_LETTER"
    CANVAS_NO_TOTAL = "CANVAS_NO_TOTAL"
    CANVAS_NO_ID = "CANVAS_NO_ID"


E, W, EITHER = "error", "warning", "error or warning"

# Per code: how severe its findings are, and one line on what it means.
CATALOGUE: dict[Code, tuple[str, str]] = {
    Code.FORMULA_WITHOUT_VALUE: (E, "a formula cell has no saved value to read"),
    Code.FORMULA_VALUE_UNVERIFIED: (
        W,
        "a formula's saved value was written by a program, not calculated",
    ),
    Code.FEATURE_LOST: (
        W,
        "the workbook has something (macros, images, ...) the graded copy leaves out",
    ),
    Code.OPEN_IN_SPREADSHEET: (
        W,
        "the gradebook is open in a spreadsheet program, which may hold unsaved edits",
    ),
    Code.ERROR_CELL: (
        EITHER,
        "a cell holds a spreadsheet error such as #N/A (an error where gradeproc reads it)",
    ),
    Code.PERCENT_CELL: (
        EITHER,
        "a cell is formatted as a percentage where a plain number is meant",
    ),
    Code.INVISIBLE_CHARACTERS: (
        W,
        "text holds invisible characters (zero-width spaces and the like)",
    ),
    Code.TITLE_ROWS: (W, "rows above a sheet's header were taken as a title and skipped"),
    Code.IMPORT_NOTE: (
        W,
        "a warning the import wrote into the gradebook, shown until it is removed",
    ),
    Code.MISSING_COLUMN: (E, "a sheet lacks a column it must have"),
    Code.EXTRA_COLUMN: (W, "a sheet has a column gradeproc does not know"),
    Code.DUPLICATE: (E, "a column header or an entry appears twice"),
    Code.REQUIRED: (E, "a cell that must be filled in is blank"),
    Code.UNIQUE: (E, "a name appears twice where each must be unique"),
    Code.UNIQUE_ID: (E, "a Student ID appears twice"),
    Code.NUMBER: (E, "a cell that must hold a number does not"),
    Code.POSITIVE: (E, "a number that must be above 0 is not"),
    Code.NON_NEGATIVE: (E, "a number that must be 0 or more is negative"),
    Code.WHOLE: (E, "a number that must be whole has a fraction"),
    Code.DATETIME: (E, "a cell that must hold a date and time does not, or has no time zone"),
    Code.POINTS: (E, "a score is not a number of points (nor a known mark such as EX)"),
    Code.POINTS_NEGATIVE: (E, "a score is negative"),
    Code.POINTS_ABOVE_MAX: (E, "a score is above the assessment's maximum points"),
    Code.SETTING: (E, "the Policy sheet names a setting gradeproc does not know"),
    Code.AGGREGATION: (E, "a category's aggregation is not one gradeproc knows"),
    Code.RANGE: (E, "a letter's range is not a pair of numbers from 0 to 100"),
    Code.YES_NO: (E, "a cell that must say yes or no says something else"),
    Code.EXTRA_DAYS_MAX: (E, "an extension gives more extra days than allowed"),
    Code.SETTING_VALUE: (E, "a Policy setting's value is not one it can take"),
    Code.WEIGHTS_TOTAL: (E, "the category weights do not add up to 100"),
    Code.NO_CATEGORIES: (E, "the Categories sheet lists no category"),
    Code.EMPTY_CATEGORY: (W, "a category has no assessment, so its weight counts for nothing"),
    Code.UNKNOWN_CATEGORY: (E, "an assessment names a category the Categories sheet does not list"),
    Code.NO_LETTERS: (E, "the Letters sheet lists no letter"),
    Code.LETTER_RANGE_EMPTY: (E, "a letter's range holds no total"),
    Code.LETTER_RANGE_OVERLAP: (E, "two letters' ranges overlap"),
    Code.LETTER_RANGE_GAP: (EITHER, "some totals fall between two letters' ranges"),
    Code.DUE_REQUIRED: (E, "an assessment under the late policy has no due date"),
    Code.EMPTY_ROSTER: (E, "the Roster lists no student"),
    Code.UNKNOWN_STUDENT: (E, "a row names a Student ID the Roster does not list"),
    Code.UNKNOWN_ASSESSMENT: (E, "a row names an assessment the Assessments sheet does not list"),
    Code.NO_SCORE_COLUMN: (E, "an assessment has no column on the Scores sheet"),
    Code.NO_SCORES_ROW: (E, "a student on the Roster has no row on the Scores sheet"),
    Code.PERCENT_SCORE: (E, "a score is a percentage where points are meant"),
    Code.EXTENSION_AMOUNT: (E, "an extension gives no amount, or more than one"),
    Code.UNGRADED: (W, "a submission has no score yet, so it is left out of the total"),
    Code.OUTPUT_LIMIT: (W, "an output sheet was cut short at a spreadsheet's limit"),
    Code.NO_GRADE: (EITHER, "a student has no letter for the registrar's file"),
    Code.GRADING_BASIS: (EITHER, "a student's grading basis is not one the registrar takes"),
    Code.PASS_FROM_LETTER: (
        E,
        "pass_from_letter is not a letter of the Letters sheet, and P/NP or S/U students need it",
    ),
    Code.WITHDRAWN: (
        W,
        "a withdrawn student is left out of the registrar's file, which records withdrawals itself",
    ),
    Code.SECTIONS_COLUMNS: (E, "the Sections sheet lacks a column the registrar format needs"),
    Code.SECTIONS_CRN: (E, "a section's CRN is missing or not a CRN"),
    Code.REGISTRAR_TERM_CODE: (
        E,
        "the registrar format needs a term code the Policy does not give",
    ),
    Code.REGISTRAR_CRN: (E, "a student's CRN is missing or not a CRN"),
    Code.REGISTRAR_DATE_FORMAT: (E, "the registrar date format cannot be used"),
    Code.REGISTRAR_DATE: (E, "a date the registrar format needs is missing or not a date"),
    Code.REGISTRAR_LAST_ATTENDED: (
        E,
        "a last-attended date the registrar needs is missing or wrong",
    ),
    Code.REGISTRAR_INCOMPLETE_GRADE: (
        E,
        "an incomplete's default grade is missing or not a letter",
    ),
    Code.REGISTRAR_EXTENSION_DATE: (E, "an incomplete's extension date is missing or not a date"),
    Code.REGISTRAR_FORMULA: (E, "a cell the registrar file reads holds a formula, not a value"),
    Code.CANVAS_LETTER: (W, "a letter set by hand cannot be sent to Canvas as a score"),
    Code.CANVAS_NO_TOTAL: (W, "a student has no total to send to Canvas"),
    Code.CANVAS_NO_ID: (W, "the Roster has no Canvas ID column; Canvas matches by SIS User ID"),
}
