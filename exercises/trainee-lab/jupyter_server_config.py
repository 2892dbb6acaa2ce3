"""Jupyter server settings of the trainees' lab (``make lab``), found through ``JUPYTER_CONFIG_PATH``.

The lab serves the trainee's workspace (``TRAINEE_WORKSPACE``, set by ``make lab``) and nothing above it. Of
nbgrader's server extensions only the trainee's two stay on: the Assignment List (fetch, submit, feedback) and
Validate. The formgrader and the course list are the trainers'.
"""

import os

c = get_config()  # noqa: F821 (injected by traitlets)

c.ServerApp.root_dir = os.environ["TRAINEE_WORKSPACE"]
c.ServerApp.jpserver_extensions = {
    "nbgrader.server_extensions.assignment_list": True,
    "nbgrader.server_extensions.validate_assignment": True,
    "nbgrader.server_extensions.formgrader": False,
    "nbgrader.server_extensions.course_list": False,
}
# Hidden files (the exchange's cache, checkpoints) stay out of the file browser and the contents API.
c.ContentsManager.allow_hidden = False
