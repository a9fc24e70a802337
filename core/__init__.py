"""What every room builds on and nothing of the domain: the PDF engine, SVG, widgets, mail, errors.

core imports no app of the project (the import contract in pyproject.toml checks it).
"""
