"""The Voilà apps: each assembles widgets into one page; each notebook in workbooks/ calls one.

Keep imports lean: a served notebook imports only what its page needs.
"""
