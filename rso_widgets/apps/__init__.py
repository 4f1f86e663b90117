"""The Voilà apps: each assembles widgets into one page; each notebook in workbooks/ calls one.

Keep imports lean: a served notebook imports only what its page needs.
"""

from .startup import route_logs_to_server

route_logs_to_server()  # in a Voilà kernel, log to the server, never onto the page
