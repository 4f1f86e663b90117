"""The "Observation of practice" tab: one form (the six skills, strengths and development
points) and the observations of my practice and those I recorded. A simple view, not a task
list: one screen-sized form whose parts are read together."""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from ...supervision.models import ObservationInput
from ...supervision.validation import checked, observation_problems
from ...widgets.supervision_observation import ObservationForm, observations_html
from .base import TabBase, day, form_call, part


class ObservationTab(TabBase):
    observation_form = part("observe", "form")
    observations_view = part("observe", "view")

    def _build_observe(self) -> dict[str, Any]:
        form = ObservationForm(self.scale, people=self.people)
        form.on_submit(lambda _form: self.record_observation())
        view = w.HTML("")
        self.tabs.children[1].children = (form, view)
        self._parts["observe"] = {"form": form, "view": view}
        self.refresh_observations()
        return self._parts["observe"]

    def refresh_observations(self) -> None:
        if not self._built("observe"):
            return
        by_id = {s.id: s for s in self.sessions}
        mine = self.sup.observations()
        made = self.sup.observations_made()
        self.observations_view.value = (
            observations_html(mine, self.scale, title="Observations of your practice",
                              empty="Nobody has recorded an observation of your practice yet.",
                              sessions=by_id)
            + observations_html(made, self.scale, title="Observations you recorded",
                                empty="You have not recorded an observation yet.",
                                sessions=by_id))
        if self._built("diary"):
            self.diary_form.set_observations(mine)

    @form_call("observation_form", "the observation")
    def record_observation(self) -> Any:
        form = self.observation_form
        form.clear_problems()
        data = form.value
        rec = self.sup.record_observation(checked(
            ObservationInput, data, "observation", lambda inp: observation_problems(
                inp.model_copy(update={"assessor": inp.assessor.strip()}), self.user,
                self.scale, self.sup.today())))
        form.reset()
        self.refresh_sessions()
        self.refresh_observations()
        linked = next((s for s in self.sessions if s.id == rec.session_id), None)
        if rec.session_id is None:
            where = "It will be linked to the assessor's next supervision session."
        elif linked is not None:
            where = f"It is linked to the supervision session on {day(linked.held_on)}."
        else:
            where = "It is linked to the assessor's next supervision session."
        form.say(f"The observation of {self.name(rec.assessor)} on {day(rec.observed_on)} is "
                 f"saved. {where}")
        return rec

    diary_form: Any
