"""The report notebooks, edited here and shipped inside the package as ``kamlib.notebooks``.

This file only makes the folder a package, so that an installed kam finds its notebooks with
``importlib.resources``; the notebooks themselves are the ``*.ipynb`` files beside it.
"""
