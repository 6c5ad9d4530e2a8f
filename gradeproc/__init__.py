"""gradeproc: grade an instructor's Excel gradebook the way the syllabus says."""

__version__ = "0.1.0"
