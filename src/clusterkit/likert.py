"""Firm surveys of a cluster's needs: agreement shares, counts and average scores of Likert statements.

A needs-assessment survey asks each firm to score statements from 1 (strongly disagree) to 5 (strongly agree), the
five-point format of Likert (1932). By the usual convention a firm *agrees* with a statement when it scores it 4 or
5. Likert, R. (1932). A technique for the measurement of attitudes. *Archives of Psychology* 140, 1-55.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from clusterkit._validation import require_columns, require_numeric

__all__ = ["AGREE", "share_agreeing", "count_agreeing", "mean_score"]

AGREE = 4  # a score of 4 or 5 on the 1-5 scale counts as agreeing


def _scores(survey: pd.DataFrame, statements: Sequence[str]) -> pd.DataFrame:
    require_columns(survey, statements, what="survey")
    require_numeric(survey, statements, what="survey")
    scores = survey[list(statements)]
    bad = ~scores.isna() & ~scores.isin([1, 2, 3, 4, 5])
    if bad.to_numpy().any():
        col = scores.columns[bad.any(axis=0)][0]
        raise ValueError(
            f"{col}: scores must be 1, 2, 3, 4 or 5; found {scores.loc[bad[col], col].iloc[0]:g}"
        )
    return scores


def share_agreeing(survey: pd.DataFrame, statements: Sequence[str], *, at_least: int = AGREE) -> pd.Series:
    """Share of firms (0-1) that agree with each statement: score >= ``at_least`` (default 4).

    Unanswered (NaN) scores count as not agreeing. Returns a Series indexed by statement.
    """
    return (_scores(survey, statements) >= at_least).astype(float).mean().rename("share_agreeing")


def count_agreeing(survey: pd.DataFrame, statement: str, *, at_least: int = AGREE) -> int:
    """Number of firms that agree with one statement: score >= ``at_least`` (default 4)."""
    return int((_scores(survey, [statement])[statement] >= at_least).sum())


def mean_score(
    survey: pd.DataFrame, statements: Sequence[str], *, by: str | None = None, firm: str | None = None
) -> pd.Series:
    """Each firm's average score over ``statements`` (equal weights), or, with ``by``, the average of those firm
    scores per group (e.g. ``by="stage"``). ``firm`` names the column that identifies the firms (the index of the
    result without ``by``). Unanswered statements are left out of a firm's average.
    """
    scores = _scores(survey, statements)
    firm_score = scores.mean(axis=1).rename("score")
    if firm is not None:
        require_columns(survey, [firm], what="survey")
        firm_score.index = pd.Index(survey[firm], name=firm)
    if by is None:
        return firm_score
    require_columns(survey, [by], what="survey")
    return firm_score.groupby(survey[by].to_numpy()).mean().rename_axis(by)
