"""clusterkit: the analysis package of the Cluster Excellence open course.

Modules
-------
mapping      location quotients, cluster stars, strong clusters, shift-share, specialisation indices
valuechain   value added by stage, local capture, input leakage, smile curve, gap analysis
inputoutput  Leontief model, multipliers, Rasmussen/Ghosh linkages, key sectors, demand shocks
benchmark    composite indicators (OECD/JRC 2008): normalise, weight, aggregate, rank, sensitivity
excellence   cluster-management excellence self-assessment modelled on the public label descriptions
network      cooperation networks: density, centrality, brokerage roles, cross-border share (networkx; imported
             on demand: ``from clusterkit import network``)
likert       needs-assessment surveys (Likert scores): agreement shares and counts, average scores by group
change       force-field analysis and the stakeholder power-interest grid (foundations chapters)
data         loaders for the case data packs under ``cases/``
grading      the exercises' checks: plain-words messages for trainees (imported on demand)
"""

from __future__ import annotations

from clusterkit import benchmark, change, excellence, inputoutput, likert, mapping, valuechain

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "benchmark",
    "change",
    "excellence",
    "inputoutput",
    "likert",
    "mapping",
    "valuechain",
]
