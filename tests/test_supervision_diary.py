"""Diary entries: only the author edits an entry; each edit is a new version of the text,
audited by field names (never the words); an edit begun on an older version is refused and
overwrites nothing."""

from __future__ import annotations

import pytest
from audited import audit_log
from supervision_fixtures import days, session

from rso_widgets.store import AccessDenied, EditConflictError
from rso_widgets.supervision import InvalidRecord

pytest_plugins = ("supervision_fixtures",)


def _entry(store, text="Disagreed with the key on item 4"):
    return store.write_diary_entry({"prompt": "key_disagreement", "text": text,
                                    "event_on": days(-2)})


def test_author_edits_text_as_a_new_audited_version(as_user, team):
    alex = as_user("alex")
    entry = _entry(alex)
    assert entry.version == 1
    edited = alex.update_diary_entry(entry.id, {"prompt": "key_disagreement",
                                                "text": "On reflection the key is right",
                                                "event_on": days(-2)},
                                     expected_version=1)
    assert (edited.version, edited.text) == (2, "On reflection the key is right")
    assert edited.updated_at >= entry.updated_at and edited.created_at == entry.created_at
    assert alex.diary_entry(entry.id) == edited
    change = [e for e in audit_log(alex.store, 10)
              if (e.action, e.entity) == ("change", "diary_entry")]
    assert [(c.user, c.entity_id, c.detail) for c in change] == [
        ("alex", str(entry.id), {"fields": ["text"], "version": 2})]
    assert "reflection" not in str(change[0].detail)  # the words never enter the audit log
    again = alex.update_diary_entry(entry.id, {"prompt": "difficult_visit",
                                               "text": "On reflection the key is right"},
                                    expected_version=2)
    assert again.version == 3 and again.prompt == "difficult_visit" and again.event_on is None


def test_an_edit_from_an_older_version_is_refused_and_overwrites_nothing(as_user, team):
    alex = as_user("alex")
    entry = _entry(alex)
    alex.update_diary_entry(entry.id, {"text": "Written in the other tab"}, expected_version=1)
    before = len(audit_log(alex.store, 1000))
    with pytest.raises(EditConflictError, match=r"now version 2\) after you started editing "
                       r"version 1.*Nothing was overwritten"):
        alex.update_diary_entry(entry.id, {"text": "Written in this tab"}, expected_version=1)
    kept = alex.diary_entry(entry.id)
    assert (kept.text, kept.version) == ("Written in the other tab", 2)
    assert len(audit_log(alex.store, 1000)) == before + 1  # only the read just above


def test_saving_unchanged_text_makes_no_new_version(as_user, team):
    alex = as_user("alex")
    entry = _entry(alex)
    same = alex.update_diary_entry(entry.id, {"prompt": entry.prompt, "text": entry.text,
                                              "event_on": entry.event_on}, expected_version=1)
    assert same == entry


def test_an_empty_edit_names_the_field_and_changes_nothing(as_user, team):
    alex = as_user("alex")
    entry = _entry(alex)
    with pytest.raises(InvalidRecord) as info:
        alex.update_diary_entry(entry.id, {"text": "   "}, expected_version=1)
    assert [p.field for p in info.value.problems] == ["text"]
    assert alex.diary_entry(entry.id) == entry


@pytest.mark.parametrize("who", ["sam", "bo", "lee", "val"])
def test_nobody_but_the_author_edits_an_entry(as_user, team, who):
    """Not even the supervisor of the session it is shared into (who may read it)."""
    alex = as_user("alex")
    s1 = as_user("sam").create_session(session())
    entry = alex.share_diary_entry(_entry(alex).id, s1.id)
    other = as_user(who)
    with pytest.raises(AccessDenied, match=f"diary entry {entry.id} can be changed only by its "
                       "author"):
        other.update_diary_entry(entry.id, {"text": "Rewritten by someone else"},
                                 expected_version=entry.version)
    last = audit_log(other.store, 1)[0]
    assert (last.user, last.action, last.entity, last.detail) == (
        who, "change", "diary_entry", {"denied": True})
    assert alex.diary_entry(entry.id) == entry
    with pytest.raises(AccessDenied):
        other.delete_diary_entry(entry.id)
