"""Trygghetsvandringar (safety walks) and public digital walks (issue 11, section 1).

- :mod:`est.walks.rules`: bounds and parsers for every field (counts-only participants);
- :mod:`est.walks.store`: walks, routes, finish and follow-up dates;
- :mod:`est.walks.observations`: observations (each problem place is also a report of source
  ``trygghetsvandring``; a safe place mark is not);
- :mod:`est.walks.proposals`: proposals, their follow-up, proposal → action;
- :mod:`est.walks.summary`: the walk report's content (ratings summary …);
- :mod:`est.walks.documents`: the walk report as PDF and DOCX (with a printed map);
- :mod:`est.walks.digital`: public digital walks (campaigns and residents' pins).
"""
