"""One Open Data Contract Standard v3 YAML per dataset: the single source of truth.

Ingest schemas, quality suites, masking, the resource catalogue and access rules are derived from these.
"""

from governance.contracts.loader import ContractError, load_contract, load_contracts
from governance.contracts.model import Column, DatasetContract

__all__ = ["Column", "ContractError", "DatasetContract", "load_contract", "load_contracts"]
