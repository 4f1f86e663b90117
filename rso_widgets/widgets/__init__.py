"""ipywidgets views: one module per component, plus shared form pieces in `fields.py`.

Import components from their modules (e.g. `rso_widgets.widgets.rm2000_form`); this package
imports nothing heavy on its own.
"""
