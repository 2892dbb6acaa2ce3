"""The trainers' grading pipeline on top of nbgrader: release, import, autograde, feedback, export, report."""
