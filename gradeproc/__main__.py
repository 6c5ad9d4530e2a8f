from gradeproc.cli import main

main()
