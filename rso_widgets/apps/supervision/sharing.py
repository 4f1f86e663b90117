"""The "Sharing and CPD portfolio" tab: my own consent for team reporting, and my CPD portfolio
(HTML / PDF). A simple view: one choice and one export."""

from __future__ import annotations

from typing import Any

from ...settings import get_settings
from ...widgets.fields import safe_callback
from ...widgets.supervision_sharing import ConsentForm, CPDExport
from .base import TabBase, form_call, part, plain_refusal


class SharingTab(TabBase):
    consent_form = part("sharing", "consent")
    cpd_export = part("sharing", "cpd")

    def _build_sharing(self) -> dict[str, Any]:
        consent = ConsentForm()
        consent.on_submit(lambda _form: self.save_consent())
        cpd = CPDExport()
        cpd.on_export(self.export_cpd)
        self.tabs.children[4].children = (consent, cpd)
        self._parts["sharing"] = {"consent": consent, "cpd": cpd}
        self.refresh_consent()
        return self._parts["sharing"]

    def refresh_consent(self) -> None:
        if not self._built("sharing"):
            return
        self.consent_form.show(self.sup.consent())

    @form_call("consent_form", "your choice")
    def save_consent(self) -> Any:
        form = self.consent_form
        form.clear_problems()
        saved = self.sup.set_consent(form.value)
        form.show(saved)
        form.say("Your choice is saved." + (" Your team lead can now see your own results."
                                            if saved else " Your team lead sees anonymised "
                                            "team figures only."))
        return saved

    @safe_callback(lambda app, text: app.cpd_export.fail(text), "exporting your CPD portfolio",
                   refused=lambda app, exc: app.cpd_export.fail(plain_refusal(exc)),
                   kept=False)
    def export_cpd(self, fmt: str) -> Any:
        """Write the CPD portfolio (atomic, audited) and offer it for download; a failure is
        said where the export buttons are (None returned)."""
        # here, not at the top: the PDF library takes about 1.3 s to import (measured), paid
        # only by someone who exports
        from ...reports.cpd import export_path, write_cpd_portfolio

        path = export_path(get_settings().data_dir / "exports", self.user, fmt)
        written = write_cpd_portfolio(self.store, self.user, path, fmt)
        self.cpd_export.show_file(written, written.read_bytes(), fmt)
        return written
