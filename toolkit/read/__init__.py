"""Reading stage: the only code that opens workbooks (openpyxl here; a faster reader can sit behind
``open_workbook``)."""
