"""Template stage: the only code that writes workbooks with XlsxWriter."""
