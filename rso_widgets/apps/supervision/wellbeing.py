"""The "Wellbeing check-in" tab: a short private check-in with where to find support, my earlier
check-ins and sharing one into a session; for a team lead, the team's counts (never anyone's own
answers). The page itself is `apps.reflection.WellbeingApp`."""

from __future__ import annotations

from ..reflection import WellbeingApp
from .base import TabBase, part

WELLBEING_TAB = 5


class WellbeingTab(TabBase):
    wellbeing = part("wellbeing")

    def _build_wellbeing(self) -> WellbeingApp:
        part = WellbeingApp(self.store)
        self.tabs.children[WELLBEING_TAB].children = (part,)
        return part
