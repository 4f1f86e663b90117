"""The look of the confidence, ARMS progress and calibration record views (issue 16): classes
in the widget kit's one stylesheet (`kit.css`), shipped once per page by `style()`."""

from __future__ import annotations

from .fields import FORM_CSS as CSS
from .fields import form_style as style

__all__ = ["CSS", "style"]
