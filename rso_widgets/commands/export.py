"""`rso-workbook export`: reports and tables (the work lives in `reports.export`)."""

from ..reports.export import run

__all__ = ["run"]
