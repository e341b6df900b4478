"""How report documents are made: sentences taken from real reports (phrases), the official
table forms laid out cell by cell (layout), and one renderer per file format (render_pdf,
render_docx, render_sheets, office for LibreOffice conversions). :mod:`sandbox.documents` is
the entry point the rest of the sandbox calls."""
