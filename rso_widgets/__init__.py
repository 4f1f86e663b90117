"""RSO Workbook: assessment and training widgets for RM2000, ARMS and risk management plans."""
__version__ = "0.1.0"
