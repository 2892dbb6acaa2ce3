"""nbgrader settings of the trainees' lab (``make lab``): the course, the exchange, where fetched work goes.

``CLUSTER_EXCHANGE`` is the exchange folder the trainers release to and collect from (``make lab`` and
``make release`` default it to ``.exchange/`` in the checkout; on a shared server it is a system path).
Fetched assignments land in the workspace; nbgrader never fetches over an assignment folder that exists.
"""

import os

c = get_config()  # noqa: F821 (injected by traitlets)

c.CourseDirectory.course_id = "cluster-excellence"
c.Exchange.root = os.environ["CLUSTER_EXCHANGE"]
c.Exchange.assignment_dir = os.environ["TRAINEE_WORKSPACE"]
c.Exchange.cache = os.path.join(os.environ["TRAINEE_LAB_STATE"], "nbgrader_cache")
if os.environ.get("TRAINEE_ID"):
    c.CourseDirectory.student_id = os.environ["TRAINEE_ID"]
# Validate reports a check that runs longer than this as failed (the exercises' cells run in seconds).
c.Execute.timeout = 60
