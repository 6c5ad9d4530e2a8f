"""The output edge of the pipeline: files written whole or not at all (`outputs`), CSVs
(`csv`), and the graded workbook (`workbook`, its `summary`, `annotate` and `style`).

Empty on purpose: a module wanting only `outputs.Outputs` loads neither pandas nor xlsxwriter.
"""
