"""The auditors' dossier (issue #15): per shared table, its lineage graph, columns with origin, transforms,
masking and PII class, the quality and privacy gates on its path, who may read it and why, its last
queries and loads — offline HTML under ``$LAKEHOUSE_HOME/reports/audit/``."""

from governance.dossier.build import Written, build_dossier

__all__ = ["Written", "build_dossier"]
