"""CSV and Excel exports: ``files`` writes a table safely, ``tables`` says what each holds."""
from tracker.exports.files import (CSV_MIMETYPE, FORMATS, XLSX_MIMETYPE, Column, ExportFile,
                                   export_file, safe_cell, to_csv, to_xlsx)
from tracker.exports.tables import (MAX_ROWS, Table, initiative_file, initiative_table,
                                    school_file, school_table)

__all__ = ["CSV_MIMETYPE", "FORMATS", "XLSX_MIMETYPE", "Column", "ExportFile", "MAX_ROWS",
           "Table", "export_file", "initiative_file", "initiative_table", "safe_cell",
           "school_file", "school_table", "to_csv", "to_xlsx"]
