"""The hub's formgrader without nbgrader's own "generate feedback" and "release feedback" (a server extension
enabled for the formgrader service only, by ``hub/jupyter-formgrader/jupyter_server_config.json``).

nbgrader's feedback is its HTML of the autograded notebook, hidden tests included; on the hub the grading service
(hub/grading.py) writes the course's own feedback pages and releases them, also after a trainer saves a score.
The four formgrader routes that would generate or release nbgrader's feedback answer 403 with that message.
"""

from __future__ import annotations

import json

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web

MESSAGE = (
    "On the course hub, feedback is written and released by the grading service, not by the formgrader "
    "(nbgrader's own feedback would show the hidden tests): a score saved here reaches the trainee's feedback "
    "within seconds, through the Assignment List's Fetch Feedback."
)
ROUTE = r"/formgrader/api/assignment/[^/]+(?:/[^/]+)?/(?:generate|release)_feedback"


class FeedbackByGradingService(JupyterHandler):
    """403 with :data:`MESSAGE` instead of nbgrader's generate/release feedback."""

    @web.authenticated
    def post(self) -> None:
        self.set_status(403)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"success": False, "value": MESSAGE, "error": MESSAGE}))

    get = post


def _load_jupyter_server_extension(serverapp) -> None:
    web_app = serverapp.web_app
    web_app.add_handlers(
        ".*$", [(url_path_join(web_app.settings["base_url"], ROUTE), FeedbackByGradingService)]
    )
    # tornado takes the first matching rule: put this one ahead of nbgrader's formgrader handlers
    rules = web_app.default_router.rules
    rules.insert(0, rules.pop(-2))
    serverapp.log.info(
        "formgrader: generate/release feedback refused (the grading service releases feedback)"
    )


def _jupyter_server_extension_points() -> list[dict]:
    return [{"module": "hub.formgrader_guard"}]
