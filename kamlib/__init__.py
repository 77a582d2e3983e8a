"""kamlib: the analytics behind the Key Account Monitoring workbook."""

__version__ = "0.1.0"
